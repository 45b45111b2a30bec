"""Contract: webhook events kept once per key, read back for auto-import, acted on once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet
from importer.domain.webhooks import ChangeEvent
from importer.ports.store import Store
from tests.storage.conftest import Clock


def event(key: str, entity_id: str = "1", realm: str = "realm-1") -> ChangeEvent:
    return ChangeEvent(key, realm, "customer", entity_id, "create", "2026-12-05T10:00:00Z")


async def connect(store: Store, name: str, realm: str, clock: Clock) -> str:
    account = await store.create_account(name, "premium")
    await store.save_connection(
        QboConnection(account.id, realm, "sandbox", TokenSet("enc", "enc", clock.now))
    )
    return account.id


async def test_redelivered_events_are_kept_once(store: Store, clock: Clock) -> None:
    assert await store.save_webhook_events([event("a"), event("b", "2")]) == 2
    assert await store.save_webhook_events([event("b", "2"), event("c", "3")]) == 1
    assert await store.save_webhook_events([]) == 0

    clock.advance(seconds=1)
    pending = await store.pending_webhook_events(clock.now)

    assert sorted(e.key for e in pending) == ["a", "b", "c"]
    assert {e.entity_id for e in pending} == {"1", "2", "3"}
    assert pending[0] == event(pending[0].key, pending[0].entity_id)


async def test_events_wait_for_their_window_and_are_acted_on_once(
    store: Store, clock: Clock
) -> None:
    await store.save_webhook_events([event("early")])
    clock.advance(seconds=5)
    await store.save_webhook_events([event("late", "2")])

    due = await store.pending_webhook_events(clock.now - timedelta(seconds=2))
    assert [e.key for e in due] == ["early"]

    await store.mark_webhook_events(["early"])
    clock.advance(seconds=10)
    assert [e.key for e in await store.pending_webhook_events(clock.now)] == ["late"]
    assert await store.save_webhook_events([event("early")]) == 0


async def test_who_was_given_an_event_is_kept_until_it_is_acted_on(
    store: Store, clock: Clock
) -> None:
    await store.save_webhook_events([event("a"), event("b", "2")])
    await store.hand_webhook_events(["a"], "acct-1")
    await store.hand_webhook_events(["a", "b"], "acct-2")
    await store.hand_webhook_events(["a"], "acct-2")  # again: kept once
    await store.hand_webhook_events([], "acct-3")
    clock.advance(seconds=1)

    pending = {e.key: e.handed for e in await store.pending_webhook_events(clock.now)}
    await store.mark_webhook_events(["a"])
    await store.save_webhook_events([event("c", "3")])
    clock.advance(seconds=1)
    later = {e.key: e.handed for e in await store.pending_webhook_events(clock.now)}

    assert pending == {"a": {"acct-1", "acct-2"}, "b": {"acct-2"}}
    assert later == {"b": {"acct-2"}, "c": frozenset()}


async def test_events_acted_on_long_ago_are_deleted_and_no_others(
    store: Store, clock: Clock
) -> None:
    await store.save_webhook_events([event("old"), event("pending", "2")])
    await store.mark_webhook_events(["old"])
    clock.advance(days=8)
    await store.save_webhook_events([event("recent", "3")])
    await store.mark_webhook_events(["recent"])

    purged = await store.purge_webhook_events(clock.now - timedelta(days=7))

    assert purged == 1
    assert [e.key for e in await store.pending_webhook_events(clock.now)] == ["pending"]
    assert await store.save_webhook_events([event("recent", "3")]) == 0  # still known
    assert await store.save_webhook_events([event("old")]) == 1  # forgotten: taken anew
    assert await store.purge_webhook_events(clock.now - timedelta(days=7)) == 0


async def test_known_companies_and_accounts_that_import_automatically(
    store: Store, clock: Clock
) -> None:
    acme = await connect(store, "Acme", "realm-1", clock)
    await connect(store, "Bolt", "realm-1", clock)
    gone = await connect(store, "Gone", "realm-3", clock)
    await store.set_connection_status(gone, ConnectionStatus.DISCONNECTED)

    assert await store.connected_realms(["realm-1", "realm-2", "realm-3"]) == {"realm-1"}
    assert await store.auto_import_accounts("realm-1") == []

    await store.set_auto_import(acme, True)
    (auto,) = await store.auto_import_accounts("realm-1")
    assert (auto.name, auto.auto_import) == ("Acme", True)
    assert (await store.find_account("acme")) == auto
    await store.set_auto_import(acme, False)
    assert await store.auto_import_accounts("realm-1") == []


async def test_many_deliveries_at_once_keep_each_event_once(store: Store, clock: Clock) -> None:
    # Fifty deliveries arrive together, each a new event and a redelivery of its neighbour's.
    saves = [
        store.save_webhook_events([event(f"e{n}", str(n)), event(f"e{n + 1}", str(n + 1))])
        for n in range(50)
    ]
    kept = await asyncio.gather(*saves)

    clock.advance(seconds=1)
    pending = await store.pending_webhook_events(clock.now)
    assert sum(kept) == 51
    assert sorted(e.key for e in pending) == sorted(f"e{n}" for n in range(51))
