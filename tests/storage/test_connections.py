"""Contract: QBO connections (token compare-and-set) and single-use, expiring OAuth states."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet
from importer.ports.store import Store
from tests.storage.conftest import Clock


@pytest.fixture
async def account_id(store: Store) -> str:
    return (await store.create_account("Acme", "premium")).id


def connection(account_id: str, clock: Clock, refresh: str = "enc-refresh-1") -> QboConnection:
    return QboConnection(
        account_id=account_id,
        realm_id="realm-1",
        environment="sandbox",
        tokens=TokenSet(refresh, "enc-access-1", clock.now + timedelta(hours=1)),
        token_version=7,
        company_name="Acme Books",
        home_currency="USD",
        multicurrency=False,
    )


async def test_saved_connection_reads_back_with_version_zero(
    store: Store, account_id: str, clock: Clock
) -> None:
    saved = await store.save_connection(connection(account_id, clock))

    assert (saved.token_version, saved.connected_at) == (0, clock.now)
    assert await store.get_connection(account_id) == saved
    assert await store.get_connection("nobody") is None


async def test_reconnecting_replaces_the_company_and_versions_only_grow(
    store: Store, account_id: str, clock: Clock
) -> None:
    first = await store.save_connection(connection(account_id, clock))
    assert await store.swap_tokens(account_id, first.token_version, TokenSet("enc-refresh-2"))
    held = await store.get_connection(account_id)  # what a process still holds
    assert held is not None

    again = await store.save_connection(connection(account_id, clock, refresh="enc-refresh-9"))

    stored = await store.get_connection(account_id)
    assert stored == again
    assert stored.tokens.refresh_token == "enc-refresh-9"
    assert stored.token_version > held.token_version
    # The process holding the replaced connection cannot write its tokens over the new ones.
    assert not await store.swap_tokens(account_id, held.token_version, TokenSet("enc-refresh-3"))
    assert not await store.swap_tokens(account_id, first.token_version, TokenSet("enc-refresh-3"))
    latest = await store.get_connection(account_id)
    assert latest is not None
    assert latest.tokens.refresh_token == "enc-refresh-9"


async def test_two_swaps_from_the_same_version_exactly_one_wins(
    store: Store, account_id: str, clock: Clock
) -> None:
    await store.save_connection(connection(account_id, clock))
    expires = clock.now + timedelta(days=100)
    first = TokenSet("enc-refresh-a", "enc-access-a", clock.now, expires)
    second = TokenSet("enc-refresh-b", "enc-access-b", clock.now, expires)

    results = await asyncio.gather(
        store.swap_tokens(account_id, 0, first), store.swap_tokens(account_id, 0, second)
    )

    assert sorted(results) == [False, True]
    stored = await store.get_connection(account_id)
    assert stored is not None
    assert stored.token_version == 1
    assert stored.tokens == (first if results[0] else second)
    assert await store.swap_tokens(account_id, 0, first) is False
    assert await store.swap_tokens("nobody", 0, first) is False


async def test_status_and_descriptive_fields_change(
    store: Store, account_id: str, clock: Clock
) -> None:
    await store.save_connection(connection(account_id, clock))

    await store.set_connection_status(account_id, ConnectionStatus.NEEDS_RECONNECT, "invalid_grant")
    await store.update_connection(account_id, income_account_id="79", country="US")

    stored = await store.get_connection(account_id)
    assert stored is not None
    assert (stored.status, stored.status_reason) == (
        ConnectionStatus.NEEDS_RECONNECT,
        "invalid_grant",
    )
    assert (stored.income_account_id, stored.country, stored.company_name) == (
        "79",
        "US",
        "Acme Books",
    )
    assert stored.tokens.refresh_token == "enc-refresh-1"
    with pytest.raises(ValueError, match="token_version"):
        await store.update_connection(account_id, token_version=5)


async def test_a_told_refusal_is_kept_until_a_new_sign_in(
    store: Store, account_id: str, clock: Clock
) -> None:
    await store.save_connection(connection(account_id, clock))
    await store.set_connection_status(account_id, ConnectionStatus.NEEDS_RECONNECT, "invalid_grant")

    await store.update_connection(account_id, reconnect_told=True)
    told = await store.get_connection(account_id)
    await store.save_connection(connection(account_id, clock, "enc-refresh-2"))
    signed_in_again = await store.get_connection(account_id)

    assert told is not None
    assert told.reconnect_told
    assert signed_in_again is not None
    assert not signed_in_again.reconnect_told


async def test_needs_reconnect_is_a_compare_and_set_on_the_token_version(
    store: Store, account_id: str, clock: Clock
) -> None:
    seen = await store.save_connection(connection(account_id, clock))
    # A reconnect happens between reading the connection and marking it.
    reconnected = await store.save_connection(connection(account_id, clock, "enc-refresh-9"))

    marked = await store.set_connection_status(
        account_id,
        ConnectionStatus.NEEDS_RECONNECT,
        "invalid_grant",
        token_version=seen.token_version,
    )

    stored = await store.get_connection(account_id)
    assert stored is not None
    assert marked is False
    assert (stored.status, stored.status_reason) == (ConnectionStatus.CONNECTED, None)
    assert await store.set_connection_status(
        account_id,
        ConnectionStatus.NEEDS_RECONNECT,
        "invalid_grant",
        token_version=reconnected.token_version,
    )
    stored = await store.get_connection(account_id)
    assert stored is not None
    assert (stored.status, stored.status_reason) == (
        ConnectionStatus.NEEDS_RECONNECT,
        "invalid_grant",
    )
    assert stored.token_version == reconnected.token_version  # a mark is no token change


async def test_a_status_change_can_require_the_status_it_replaces(
    store: Store, account_id: str, clock: Clock
) -> None:
    saved = await store.save_connection(connection(account_id, clock))
    await store.set_connection_status(account_id, ConnectionStatus.DISCONNECTED, "by an admin")

    revived = await store.set_connection_status(
        account_id,
        ConnectionStatus.CONNECTED,
        token_version=saved.token_version,
        from_status=ConnectionStatus.NEEDS_RECONNECT,
    )

    stored = await store.get_connection(account_id)
    assert stored is not None
    assert revived is False
    assert stored.status is ConnectionStatus.DISCONNECTED
    assert await store.set_connection_status(account_id, ConnectionStatus.NEEDS_RECONNECT, "x")
    assert await store.set_connection_status(
        account_id, ConnectionStatus.CONNECTED, from_status=ConnectionStatus.NEEDS_RECONNECT
    )
    stored = await store.get_connection(account_id)
    assert stored is not None
    assert (stored.status, stored.status_reason) == (ConnectionStatus.CONNECTED, None)
    assert not await store.set_connection_status("nobody", ConnectionStatus.CONNECTED)


async def test_oauth_state_is_single_use(store: Store, clock: Clock) -> None:
    data = {"account_id": "a1", "user": "U1", "nonce": 3}
    await store.put_oauth_state("state-1", data, clock.now + timedelta(minutes=10))

    assert await store.get_oauth_state("state-1") == data
    assert await store.take_oauth_state("state-1") == data
    assert await store.get_oauth_state("state-1") is None
    assert await store.take_oauth_state("state-1") is None
    assert await store.take_oauth_state("never-issued") is None


async def test_expired_oauth_state_is_refused(store: Store, clock: Clock) -> None:
    await store.put_oauth_state("state-1", {"account_id": "a1"}, clock.now + timedelta(minutes=10))
    clock.advance(minutes=10)

    assert await store.get_oauth_state("state-1") is None
    assert await store.take_oauth_state("state-1") is None
