"""Refresh tokens: rotation stored before use, races between processes, invalid_grant."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from i18n import explain
from importer.domain.connections import ConnectionStatus
from importer.domain.errors import NotConnected, ReconnectNeeded, ServerError
from importer.domain.model import Kind
from qbo.tokens import TokenCipher
from tests.qbo.conftest import MakeWorld, World, connected


def refreshes(world: World) -> int:
    """Return how many refreshes reached the simulated Intuit."""
    return world.sim.oauth_requests.count("refresh_token")


def database_bytes(folder: Path) -> bytes:
    """Return the raw bytes of the database file and its journal files."""
    return b"".join(path.read_bytes() for path in sorted(folder.glob("t.sqlite3*")))


async def stored_refresh_token(world: World, account_id: str) -> str:
    process = await world.process()
    connection = await process.store.get_connection(account_id)
    assert connection is not None
    token = process.cipher.open(connection.tokens).refresh_token
    await world.stop(process)
    return token


async def test_a_rotated_refresh_token_survives_a_restart(make_world: MakeWorld) -> None:
    world = await make_world(rotate_refresh_after=1)
    first = await world.process()
    account = await connected(world, first)
    before = await stored_refresh_token(world, account.id)
    world.sim.expire_access_tokens()
    await (await first.client_for(account.id)).company_info()
    rotated = await stored_refresh_token(world, account.id)
    await world.stop(first)

    second = await world.process()
    world.sim.expire_access_tokens()
    source = await second.service.source_for(account.id)
    pages = [page async for page in source.pages(Kind.CLIENTS)]

    assert rotated != before
    assert sum(len(page.candidates) for page in pages) == 29
    assert await stored_refresh_token(world, account.id) not in (before, rotated)
    assert refreshes(world) == 3  # connect, first process, second process: none refused


async def test_two_processes_refreshing_at_once_both_carry_on(make_world: MakeWorld) -> None:
    world = await make_world(rotate_refresh_after=1)
    one, two = await world.process(), await world.process()
    account = await connected(world, one)
    world.sim.expire_access_tokens()

    infos = await asyncio.gather(
        *[(await p.client_for(account.id)).company_info() for p in (one, two)]
    )

    assert infos[0]["CompanyName"] == infos[1]["CompanyName"]
    # Strict rotation: a second refresh with the same token would have been invalid_grant.
    assert refreshes(world) == 2  # connecting, then one refresh for both processes
    connection = await one.store.get_connection(account.id)
    assert connection is not None
    assert connection.status is ConnectionStatus.CONNECTED
    third = await world.process()
    world.sim.expire_access_tokens()
    assert (await (await third.client_for(account.id)).count("Customer")) == 29
    assert refreshes(world) == 3


async def test_many_requests_meeting_an_expired_token_share_one_refresh(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=5000, rotate_refresh_after=1)
    process = await world.process()
    account = await connected(world, process)
    client = await process.client_for(account.id)
    await client.count("Customer")
    world.sim.expire_access_tokens()

    pages = await asyncio.gather(*(client.page("Customer", 1 + n * 1000) for n in range(5)))

    assert sum(len(page) for page in pages) == 5000
    assert refreshes(world) == 2  # connecting, then one for the five requests


async def test_invalid_grant_asks_for_a_reconnect_once(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    connecting = refreshes(world)
    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()
    client = await process.client_for(account.id)

    with pytest.raises(ReconnectNeeded, match="reconnect") as refused:
        await client.company_info()
    assert refused.value.intuit_tid  # Intuit's support id travels with the error
    with pytest.raises(ReconnectNeeded):
        await client.company_info()
    with pytest.raises(ReconnectNeeded):
        await process.service.source_for(account.id)

    assert refreshes(world) - connecting == 1
    connection = await process.store.get_connection(account.id)
    assert connection is not None
    assert connection.status is ConnectionStatus.NEEDS_RECONNECT
    assert "reconnect" in (connection.status_reason or "")


async def test_tokens_are_encrypted_at_rest_and_keys_rotate(
    make_world: MakeWorld, tmp_path: Path
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    connection = await process.store.get_connection(account.id)
    assert connection is not None
    plain = process.cipher.open(connection.tokens)
    await world.stop(process)

    raw = database_bytes(tmp_path)
    assert plain.refresh_token.encode() not in raw
    assert plain.access_token is not None
    assert plain.access_token.encode() not in raw

    rotated = await world.process(key=f"{TokenCipher.generate_key()},{world.key}")
    assert await (await rotated.client_for(account.id)).count("Customer") == 29


async def test_secrets_stay_out_of_logs_and_errors(
    make_world: MakeWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = await make_world(rotate_refresh_after=1)
    process = await world.process()
    caplog.set_level(logging.DEBUG)
    account = await connected(world, process)
    world.sim.expire_access_tokens()
    client = await process.client_for(account.id)
    await client.company_info()
    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()
    with pytest.raises(ReconnectNeeded) as refused:
        await client.company_info()

    secrets = {world.sim.client_secret, world.key, *world.sim.tokens.access}
    secrets.update(world.sim.tokens.refresh)
    assert len(secrets) > 4
    seen = caplog.text + str(refused.value) + repr(refused.value) + repr(process.service)
    assert caplog.records
    assert not [secret for secret in secrets if secret in seen]


async def test_disconnect_revokes_and_keeps_the_connection_record(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    token = await stored_refresh_token(world, account.id)

    await process.service.disconnect(account.id)

    assert world.sim.tokens.refresh[token].revoked
    connection = await process.store.get_connection(account.id)
    assert connection is not None
    assert connection.status is ConnectionStatus.DISCONNECTED
    with pytest.raises(NotConnected):
        await process.service.source_for(account.id)


async def test_an_unreachable_token_endpoint_keeps_the_stored_token(
    make_world: MakeWorld,
) -> None:
    world = await make_world(rotate_refresh_after=1)
    process = await world.process()
    account = await connected(world, process)
    before = await process.store.get_connection(account.id)
    assert before is not None
    world.sim.expire_access_tokens()
    cut_off = await world.process(token_url="http://127.0.0.1:9/oauth2/v1/tokens/bearer")

    with pytest.raises(ServerError, match="did not answer") as refused:
        await (await cut_off.client_for(account.id)).company_info()

    # Said in words, in each language: nothing listens at that address.
    assert str(refused.value).endswith("(could not connect)")
    assert explain(refused.value, "es").endswith("(no se pudo conectar)")

    after = await process.store.get_connection(account.id)
    assert after is not None
    assert after.status is ConnectionStatus.CONNECTED
    assert after.tokens == before.tokens
    info = await (await process.client_for(account.id)).company_info()
    assert info["CompanyName"] == world.sim.company.info["CompanyName"]
