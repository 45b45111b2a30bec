"""Contract: clients and items, the unique name index (R1) and deleted names (R2)."""

from __future__ import annotations

import pytest

from importer.domain.errors import NameTaken
from importer.domain.model import Kind, NewRecord
from importer.domain.names import name_key
from importer.domain.rules import ExistingRecord, ImportedRecord
from importer.ports.store import Store
from tests.storage.conftest import Clock, new

CLIENTS, ITEMS = Kind.CLIENTS, Kind.ITEMS


@pytest.fixture
async def account_id(store: Store) -> str:
    return (await store.create_account("Acme", "premium")).id


async def test_insert_is_one_round_trip_and_records_read_back(
    store: Store, account_id: str, clock: Clock
) -> None:
    before = store.round_trips
    refused = await store.insert_records(
        account_id, ITEMS, [new("Widget", "7", unit_price="19.99"), new("Gadget")]
    )

    assert refused == set()
    assert store.round_trips - before == 1
    widget = await store.find_record(account_id, ITEMS, "widget")
    assert widget is not None
    assert (widget.name, widget.qbo_realm, widget.qbo_id) == ("Widget", "realm-1", "7")
    assert widget.fields == {"unit_price": "19.99"}
    assert str(widget.unit_price) == "19.99"
    assert widget.created_at == clock.now
    assert widget.kind is ITEMS
    assert await store.count_records(account_id, ITEMS) == 2
    assert await store.count_records(account_id, CLIENTS) == 0


async def test_insert_returns_names_a_racing_writer_took_instead_of_raising(
    store: Store, account_id: str
) -> None:
    await store.insert_records(account_id, CLIENTS, [new("Ann Lee", "1")])

    before = store.round_trips
    refused = await store.insert_records(
        account_id, CLIENTS, [new("Bob", "2"), new("ANN  LEE", "3"), new("Cy", "4")]
    )

    assert refused == {"ann lee"}
    assert store.round_trips - before == 1
    assert await store.count_records(account_id, CLIENTS) == 3
    ann = await store.find_record(account_id, CLIENTS, "ann lee")
    assert ann is not None
    assert ann.qbo_id == "1"


async def test_same_name_is_fine_in_another_account_or_kind(store: Store, account_id: str) -> None:
    other = (await store.create_account("Other", "premium")).id
    await store.insert_records(account_id, CLIENTS, [new("Acme")])

    assert await store.insert_records(other, CLIENTS, [new("Acme")]) == set()
    assert await store.insert_records(account_id, ITEMS, [new("Acme")]) == set()


async def test_add_record_by_hand_refuses_a_taken_name(store: Store, account_id: str) -> None:
    added = await store.add_record(account_id, CLIENTS, new("Zoë Café"))

    assert await store.find_record(account_id, CLIENTS, "zoë café") == added
    with pytest.raises(NameTaken):
        await store.add_record(account_id, CLIENTS, new(" ZOË  CAFÉ "))


async def test_lookup_reports_existing_and_deleted_in_two_round_trips(
    store: Store, account_id: str
) -> None:
    await store.insert_records(account_id, ITEMS, [new("Kept", "1"), new("Gone", "2")])
    gone = await store.find_record(account_id, ITEMS, "gone")
    assert gone is not None
    await store.delete_record(account_id, ITEMS, gone.id)

    before = store.round_trips
    known = await store.lookup(
        account_id, ITEMS, "realm-1", ["kept", "gone", "new"], ["1", "2", "3"]
    )

    assert store.round_trips - before <= 2
    assert known.existing == {"kept": ExistingRecord("realm-1", "1", None)}
    assert known.deleted_keys == {"gone"}
    assert known.deleted_qbo_ids == {"2"}


async def test_deleted_qbo_id_matches_even_renamed_but_only_in_its_realm(
    store: Store, account_id: str
) -> None:
    await store.insert_records(account_id, CLIENTS, [new("Old Name", "42")])
    record = await store.find_record(account_id, CLIENTS, "old name")
    assert record is not None
    await store.delete_record(account_id, CLIENTS, record.id)

    renamed = await store.lookup(account_id, CLIENTS, "realm-1", ["new name"], ["42"])
    elsewhere = await store.lookup(account_id, CLIENTS, "realm-2", ["new name"], ["42"])

    assert renamed.deleted_qbo_ids == {"42"}
    assert renamed.deleted_keys == frozenset()
    assert renamed.imported == {}
    assert elsewhere.deleted_qbo_ids == frozenset()
    assert elsewhere.deleted_keys == frozenset()
    assert (await store.lookup(account_id, ITEMS, "realm-1", [], ["42"])).deleted_qbo_ids == set()


async def test_delete_remembers_the_name_and_re_adding_by_hand_works(
    store: Store, account_id: str
) -> None:
    record = await store.add_record(account_id, CLIENTS, new("Acme Ltd"))

    deleted = await store.delete_record(account_id, CLIENTS, record.id)

    assert deleted == record
    assert await store.find_record(account_id, CLIENTS, "acme ltd") is None
    known = await store.lookup(account_id, CLIENTS, "realm-1", ["acme ltd"], [])
    assert known.deleted_keys == {"acme ltd"}
    assert known.existing == {}
    again = await store.add_record(account_id, CLIENTS, new("ACME LTD"))
    assert await store.find_record(account_id, CLIENTS, "acme ltd") == again
    assert await store.delete_record(account_id, CLIENTS, again.id) == again
    assert await store.delete_record(account_id, CLIENTS, again.id) is None


async def test_delete_of_another_accounts_record_does_nothing(
    store: Store, account_id: str
) -> None:
    other = (await store.create_account("Other", "premium")).id
    record = await store.add_record(account_id, ITEMS, new("Widget"))

    assert await store.delete_record(other, ITEMS, record.id) is None
    assert await store.find_record(account_id, ITEMS, "widget") == record
    assert (await store.lookup(other, ITEMS, "r", ["widget"], [])).deleted_keys == set()


async def test_list_orders_by_name_key_pages_and_searches(store: Store, account_id: str) -> None:
    names = ["delta", "Alpha", "charlie", "Bravo", "50% off", "50 units", "echo"]
    await store.insert_records(account_id, CLIENTS, [new(n) for n in names])

    async def listed(search: str | None = None, limit: int = 50, offset: int = 0) -> list[str]:
        records = await store.list_records(
            account_id, CLIENTS, search=search, limit=limit, offset=offset
        )
        return [r.name for r in records]

    assert await listed() == ["50 units", "50% off", "Alpha", "Bravo", "charlie", "delta", "echo"]
    assert await listed(limit=2, offset=2) == ["Alpha", "Bravo"]
    assert await listed(offset=6) == ["echo"]
    assert await listed(search="HA") == ["Alpha", "charlie"]
    assert await listed(search="50%") == ["50% off"]
    assert await listed(search="l.h") == []
    assert await listed(search="  ") == await listed()
    assert await listed(search="zzz") == []


async def test_lookup_finds_records_imported_from_the_asked_qbo_ids_whatever_their_name(
    store: Store, account_id: str
) -> None:
    amy = "Amy's Bird Sanctuary"
    await store.insert_records(
        account_id,
        CLIENTS,
        [
            NewRecord(amy, name_key(amy), {}, "realm-1", "1", "run-0"),
            new("Cool Cars", "2"),
            new("Red Rock Diner", "3", realm="realm-2"),
            new("By Hand"),
        ],
    )
    await store.insert_records(account_id, ITEMS, [new("Widget", "4")])
    other = (await store.create_account("Other", "premium")).id
    await store.insert_records(other, CLIENTS, [new("Elsewhere", "5")])

    before = store.round_trips
    await store.lookup(account_id, CLIENTS, "realm-1", ["cool cars"], [])
    by_name_only = store.round_trips - before
    before = store.round_trips
    known = await store.lookup(
        account_id,
        CLIENTS,
        "realm-1",
        ["amy bird sanctuary (renamed)", "cool cars", "by hand"],
        ["1", "2", "3", "4", "5", "6"],
    )

    assert store.round_trips - before == by_name_only  # found in the same query
    assert known.imported == {
        "1": ImportedRecord("realm-1", amy, "amy's bird sanctuary", "run-0"),
        "2": ImportedRecord("realm-1", "Cool Cars", "cool cars", None),
    }
    assert known.existing == {
        "cool cars": ExistingRecord("realm-1", "2", None),
        "by hand": ExistingRecord(None, None, None),
    }
    # QBO Ids are per company: the same Id elsewhere is another record.
    elsewhere = await store.lookup(account_id, CLIENTS, "realm-2", [], ["1", "3"])
    assert elsewhere.imported == {
        "3": ImportedRecord("realm-2", "Red Rock Diner", "red rock diner", None)
    }
    assert elsewhere.existing == {}
    items = await store.lookup(account_id, ITEMS, "realm-1", [], ["1", "4"])
    assert items.imported == {"4": ImportedRecord("realm-1", "Widget", "widget", None)}
    assert (await store.lookup(other, CLIENTS, "realm-1", [], ["1", "2"])).imported == {}


async def test_count_counts_what_a_search_lists(store: Store, account_id: str) -> None:
    names = ["Alpha", "charlie", "50% off", "l.h"]
    await store.insert_records(account_id, CLIENTS, [new(n) for n in names])
    assert await store.count_records(account_id, CLIENTS) == 4
    assert await store.count_records(account_id, CLIENTS, search="HA") == 2
    assert await store.count_records(account_id, CLIENTS, search="50%") == 1
    assert await store.count_records(account_id, CLIENTS, search="l.h") == 1
    assert await store.count_records(account_id, CLIENTS, search="  ") == 4
    assert await store.count_records(account_id, CLIENTS, search="zzz") == 0
