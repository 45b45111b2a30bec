"""A refresh never loses Intuit's new refresh token: slow refreshes, failing stores, cancellation.

Intuit here rotates the refresh token on every refresh and refuses the old one at once (the
strict reading of §1.5), so a token that was used but not kept leaves the connection dead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet
from importer.domain.errors import ReconnectNeeded, ServerError, StoreError
from importer.domain.model import Account
from qbo.connection import RefreshPolicy
from storage.sqlite import SqliteStore
from tests.qbo.conftest import (
    FAST_REFRESH,
    MakeGate,
    MakeWorld,
    MovableClock,
    Process,
    World,
    connected,
)


def refreshes(world: World) -> int:
    """Return how many refreshes reached the simulated Intuit."""
    return world.sim.oauth_requests.count("refresh_token")


def live_refresh_tokens(world: World) -> set[str]:
    """Return the refresh tokens Intuit would still accept."""
    return {
        token
        for token, grant in world.sim.tokens.refresh.items()
        if grant.successor is None and not grant.revoked
    }


async def stored(process: Process, account_id: str) -> tuple[str, ConnectionStatus]:
    """Return the stored refresh token (decrypted) and the connection's status."""
    connection = await process.store.get_connection(account_id)
    assert connection is not None
    return process.cipher.open(connection.tokens).refresh_token, connection.status


async def still_works(world: World, account: Account) -> None:
    """Assert that a process started later can refresh and read the company: nothing was lost."""
    later = await world.process(clock=MovableClock())
    world.sim.expire_access_tokens()
    info = await (await later.client_for(account.id)).company_info()
    assert info["CompanyName"] == world.sim.company.info["CompanyName"]
    assert await stored(later, account.id) == (
        next(iter(live_refresh_tokens(world))),
        ConnectionStatus.CONNECTED,
    )


class CountingReads(SqliteStore):
    """A process's store that says when it has read the connection a number of times."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reads_left = 0
        self.waiting = asyncio.Event()

    def signal_after(self, reads: int) -> None:
        """Set `waiting` once the connection has been read this many more times."""
        self.reads_left = reads

    async def get_connection(self, account_id: str) -> QboConnection | None:
        self.reads_left -= 1
        if self.reads_left == 0:
            self.waiting.set()
        return await super().get_connection(account_id)


class FailingTokenWrites(SqliteStore):
    """A store whose writes of new tokens fail, as a locked database or a full disk would."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    async def swap_tokens(self, account_id: str, expected_version: int, tokens: TokenSet) -> bool:
        if tokens.access_token is not None and self.failures > 0:
            self.failures -= 1
            raise StoreError("cannot write to the database: database is locked")
        return await super().swap_tokens(account_id, expected_version, tokens)


async def test_a_refresh_slower_than_45_seconds_keeps_its_claim(
    make_world: MakeWorld, make_gate: MakeGate
) -> None:
    world = await make_world(rotate_refresh_after=1)
    gate = await make_gate(world)
    clock = MovableClock()
    first = await world.process(token_url=gate.url, clock=clock)
    account = await connected(world, first)
    second_store = CountingReads(world.db_path)
    second = await world.process(token_url=gate.url, clock=clock, store=second_store)
    first_client = await first.client_for(account.id)
    second_client = await second.client_for(account.id)
    connecting = refreshes(world)
    world.sim.expire_access_tokens()
    gate.hold = True

    first_call = asyncio.create_task(first_client.company_info())
    await gate.answered.wait()  # Intuit rotated the token; the answer is on its way
    # Four attempts that each time out after 30 s take two minutes: 100 s in, still refreshing.
    clock.advance(timedelta(seconds=100))
    second_store.signal_after(3)  # the second process has looked three times: it waits
    second_call = asyncio.create_task(second_client.company_info())
    waiting = asyncio.create_task(second_store.waiting.wait())
    await asyncio.wait([second_call, waiting], return_when=asyncio.FIRST_COMPLETED)
    gate.release.set()
    answers = await asyncio.gather(first_call, second_call, return_exceptions=True)
    waiting.cancel()

    name = world.sim.company.info["CompanyName"]
    assert [a if isinstance(a, BaseException) else a["CompanyName"] for a in answers] == [name] * 2
    assert refreshes(world) - connecting == 1  # the second process waited for the first
    await still_works(world, account)


async def test_a_refresh_that_outlived_its_claim_still_keeps_intuits_token(
    make_world: MakeWorld, make_gate: MakeGate
) -> None:
    world = await make_world(rotate_refresh_after=1)
    gate = await make_gate(world)
    clock = MovableClock()
    first = await world.process(token_url=gate.url, clock=clock)
    account = await connected(world, first)
    second = await world.process(token_url=gate.url, clock=clock)
    first_client = await first.client_for(account.id)
    second_client = await second.client_for(account.id)
    world.sim.expire_access_tokens()
    gate.hold = True

    first_call = asyncio.create_task(first_client.company_info())
    await gate.answered.wait()
    # The first process stalls past its claim (a suspended machine); the second takes over
    # with the same refresh token, which Intuit has just rotated away.
    clock.advance(FAST_REFRESH.claim_for + timedelta(seconds=1))
    with pytest.raises(ReconnectNeeded):
        await second_client.company_info()
    gate.release.set()
    info = await first_call

    assert info["CompanyName"] == world.sim.company.info["CompanyName"]
    await still_works(world, account)


async def test_a_token_endpoint_that_never_answers_gives_the_claim_back_in_time(
    make_world: MakeWorld, make_gate: MakeGate
) -> None:
    world = await make_world(rotate_refresh_after=1)
    gate = await make_gate(world)
    policy = RefreshPolicy(
        attempts=3, base_delay=0.01, timeout=0.2, keep_for=0.5, store_delay=0.005, poll=0.005
    )
    process = await world.process(token_url=gate.url, refresh=policy)
    account = await connected(world, process)
    before = await process.store.get_connection(account.id)
    world.sim.expire_access_tokens()
    gate.hang, connecting = True, gate.requests

    with pytest.raises(ServerError, match="did not answer"):
        await (await process.client_for(account.id)).company_info()

    assert (
        gate.requests - connecting == policy.attempts
    )  # each attempt gave up after the policy's timeout
    after = await process.store.get_connection(account.id)
    assert after is not None
    assert before is not None
    assert (after.tokens, after.status) == (before.tokens, ConnectionStatus.CONNECTED)
    gate.hang = False
    await still_works(world, account)


async def test_new_tokens_survive_a_store_that_fails_for_a_while(make_world: MakeWorld) -> None:
    world = await make_world(rotate_refresh_after=1)
    first = await world.process()
    account = await connected(world, first)
    flaky = await world.process(store=FailingTokenWrites(world.db_path, failures=3))
    world.sim.expire_access_tokens()

    info = await (await flaky.client_for(account.id)).company_info()

    assert info["CompanyName"] == world.sim.company.info["CompanyName"]
    await still_works(world, account)


async def test_a_refresh_cancelled_after_intuit_answered_keeps_the_new_token(
    make_world: MakeWorld, make_gate: MakeGate
) -> None:
    world = await make_world(rotate_refresh_after=1)
    gate = await make_gate(world)
    process = await world.process(token_url=gate.url)
    account = await connected(world, process)
    client = await process.client_for(account.id)
    world.sim.expire_access_tokens()
    gate.hold = True

    call = asyncio.create_task(client.company_info())
    await gate.answered.wait()
    call.cancel()
    gate.release.set()
    with pytest.raises(asyncio.CancelledError):
        await call

    assert (await stored(process, account.id))[0] in live_refresh_tokens(world)
    await still_works(world, account)


Hook = Callable[[], Awaitable[None]]


class Interleaved(SqliteStore):
    """A process's store where another process acts right after a read, or before a mark."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.after_read: Hook | None = None
        self.before_status: Hook | None = None

    async def get_connection(self, account_id: str) -> QboConnection | None:
        connection = await super().get_connection(account_id)
        hook, self.after_read = self.after_read, None
        if hook is not None:
            await hook()
        return connection

    async def set_connection_status(
        self,
        account_id: str,
        status: ConnectionStatus,
        reason: str | None = None,
        *,
        token_version: int | None = None,
        from_status: ConnectionStatus | None = None,
    ) -> bool:
        hook, self.before_status = self.before_status, None
        if hook is not None:
            await hook()
        return await super().set_connection_status(
            account_id, status, reason, token_version=token_version, from_status=from_status
        )


async def reconnect(world: World, process: Process, account: Account) -> str:
    """Connect the account again, as an admin would from elsewhere; return the kept token."""
    token = world.sim.issue_tokens()["refresh_token"]
    await process.service.connect_with_refresh_token(account, world.sim.realm_id, token)
    return (await stored(process, account.id))[0]


async def test_a_process_holding_the_replaced_connection_cannot_write_over_a_reconnect(
    make_world: MakeWorld,
) -> None:
    world = await make_world(rotate_refresh_after=1)
    store = Interleaved(world.db_path)
    stale = await world.process(store=store)
    admin = await world.process()
    account = await connected(world, admin)
    client = await stale.client_for(account.id)
    await client.company_info()  # the process now holds the access token of the connection
    kept: list[str] = []

    async def reconnect_now() -> None:
        kept.append(await reconnect(world, admin, account))

    world.sim.expire_access_tokens()
    store.after_read = reconnect_now  # the refresh reads the connection, then the admin acts

    info = await client.company_info()

    assert info["CompanyName"] == world.sim.company.info["CompanyName"]
    token, status = await stored(admin, account.id)
    assert status is ConnectionStatus.CONNECTED
    assert token in (kept[0], world.sim.tokens.refresh[kept[0]].successor)


async def test_needs_reconnect_never_overwrites_a_reconnect_made_meanwhile(
    make_world: MakeWorld,
) -> None:
    world = await make_world(rotate_refresh_after=1)
    store = Interleaved(world.db_path)
    refused = await world.process(store=store)
    admin = await world.process()
    account = await connected(world, admin)
    client = await refused.client_for(account.id)
    kept: list[str] = []

    async def reconnect_now() -> None:
        kept.append(await reconnect(world, admin, account))

    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()
    store.before_status = reconnect_now  # Intuit refuses the old token; the admin reconnects

    info = await client.company_info()

    assert info["CompanyName"] == world.sim.company.info["CompanyName"]
    assert await stored(admin, account.id) == (kept[0], ConnectionStatus.CONNECTED)
