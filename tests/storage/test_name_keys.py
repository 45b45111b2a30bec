"""Contract: migrate makes stored name keys again after name_key changed (R1 over upgrades)."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from importer.domain.model import Kind, NewRecord
from importer.domain.names import name_key
from importer.ports.store import Store
from storage.mongo import MongoStore
from storage.sqlite import SqliteStore
from tests.storage.conftest import new

CLIENTS, ITEMS = Kind.CLIENTS, Kind.ITEMS
# What name_key gave before it folded look-alike quotes and invisible characters (commit 4e7bb1e)
# and before it folded fillers.
BISTRO, BISTRO_BEFORE = "José´s Bistro", "josé ́s bistro"
CARS, CARS_BEFORE = "Cool Ca\u200brs", "cool ca\u200brs"
FILLED, FILLED_BEFORE = "Acme\u3164 Ltd", "acme\u1160 ltd"


def stale(name: str, key: str, qbo_id: str | None = None) -> NewRecord:
    """Return a record as a database written by an older name_key holds it."""
    return NewRecord(
        name=name, name_key=key, fields={}, qbo_realm="realm-1" if qbo_id else None, qbo_id=qbo_id
    )


async def written_before_the_change(store: Store, account_id: str, account_key: str) -> None:
    """Make the database look as one written before name_key changed: the account's stored key
    is account_key and the store has no note of the name_key version."""
    if isinstance(store, SqliteStore):

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE accounts SET name_key = ? WHERE id = ?", (account_key, account_id))
            conn.execute("DELETE FROM store_meta")

        await store._call(work)
    else:
        assert isinstance(store, MongoStore)
        accounts = store.database["accounts"]
        await accounts.update_one({"_id": account_id}, {"$set": {"name_key": account_key}})
        await store.database["meta"].delete_one({"_id": "name_key"})


async def test_migrate_makes_stale_keys_again_for_records_deleted_names_and_accounts(
    store: Store,
) -> None:
    account = await store.create_account("Bob´s Shop", "premium")
    await store.insert_records(account.id, CLIENTS, [stale(BISTRO, BISTRO_BEFORE, "5")])
    await store.insert_records(account.id, ITEMS, [stale(FILLED, FILLED_BEFORE)])
    await store.insert_records(account.id, ITEMS, [stale(CARS, CARS_BEFORE)])
    cars = await store.find_record(account.id, ITEMS, CARS_BEFORE)
    assert cars is not None
    await store.delete_record(account.id, ITEMS, cars.id)
    await written_before_the_change(store, account.id, "bob ́s shop")
    assert await store.readiness() is not None

    await store.migrate()

    assert await store.readiness() is None
    assert await store.find_account("Bob's Shop") == account
    bistro = await store.find_record(account.id, CLIENTS, name_key("José's Bistro"))
    assert bistro is not None
    assert bistro.name == BISTRO
    # The same customer imported again from QuickBooks, spelled with a straight apostrophe, is
    # the same name (R1): refused, not a second client.
    refused = await store.insert_records(account.id, CLIENTS, [new("José's Bistro", "6")])
    assert refused == {name_key("José's Bistro")}
    assert await store.count_records(account.id, CLIENTS) == 1
    filled = await store.find_record(account.id, ITEMS, "acme ltd")
    assert filled is not None
    assert filled.name == FILLED
    # A deleted name stays deleted under its new key (R2).
    known = await store.lookup(account.id, ITEMS, "realm-1", ["cool cars"], [])
    assert known.deleted_keys == {"cool cars"}


async def test_two_records_with_one_key_now_are_both_kept_and_logged(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    account = await store.create_account("Acme", "premium")
    await store.insert_records(account.id, CLIENTS, [new("Cool Cars", "1")])
    await store.insert_records(account.id, CLIENTS, [stale(CARS, CARS_BEFORE, "2")])
    await store.insert_records(account.id, CLIENTS, [stale(BISTRO, BISTRO_BEFORE)])
    await store.insert_records(account.id, CLIENTS, [stale("José’s Bistro", "josé's bistro")])
    await written_before_the_change(store, account.id, "acme")

    with caplog.at_level(logging.WARNING):
        await store.migrate()

    assert await store.readiness() is None
    listed = await store.list_records(account.id, CLIENTS)
    assert sorted(record.name for record in listed) == sorted(
        ["Cool Cars", CARS, BISTRO, "José’s Bistro"]
    )
    # The record already holding the key keeps it; the other keeps its former key.
    cool = await store.find_record(account.id, CLIENTS, "cool cars")
    assert cool is not None
    assert cool.name == "Cool Cars"
    bistro = await store.find_record(account.id, CLIENTS, name_key(BISTRO))
    assert bistro is not None
    assert bistro.name == "José’s Bistro"
    clashes = [r.getMessage() for r in caplog.records if "same name key" in r.getMessage()]
    assert len(clashes) == 2
    assert repr(CARS) in clashes[0] or repr(CARS) in clashes[1]
    await store.migrate()  # safe to run again
    assert len(await store.list_records(account.id, CLIENTS)) == 4
