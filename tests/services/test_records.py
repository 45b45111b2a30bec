"""Adding and deleting by hand follow the same rules as an import."""

from __future__ import annotations

import pytest

from importer.domain.errors import InvalidValue, NameTaken
from importer.domain.model import Account, Kind, NewRecord
from importer.domain.money import fits_money
from importer.domain.names import MAX_NAME_LENGTH, name_key
from importer.services.records import RecordService
from storage.sqlite import SqliteStore


@pytest.mark.parametrize("name", ["", "   ", "x" * (MAX_NAME_LENGTH + 1)])
async def test_a_name_an_import_would_skip_as_invalid_cannot_be_added_by_hand(
    records: RecordService, account: Account, name: str
) -> None:
    with pytest.raises(InvalidValue, match="cannot be empty, longer than 500 characters"):
        await records.add(account, Kind.CLIENTS, name, {})
    assert await records.count(account, Kind.CLIENTS) == 0


async def test_a_name_at_the_limit_is_added_trimmed(
    records: RecordService, account: Account
) -> None:
    added = await records.add(account, Kind.ITEMS, "  " + "y" * MAX_NAME_LENGTH + " ", {})
    assert added.name == "y" * MAX_NAME_LENGTH


async def test_the_same_name_in_another_spelling_is_refused(
    records: RecordService, account: Account
) -> None:
    await records.add(account, Kind.CLIENTS, "Amy's Bird Sanctuary", {"email": None})
    with pytest.raises(NameTaken):
        await records.add(account, Kind.CLIENTS, "AMY’S  bird sanctuary", {})


async def test_delete_by_any_spelling_remembers_the_name_and_qbo_id(
    records: RecordService, account: Account, store: SqliteStore
) -> None:
    key = name_key("Rocks")
    await store.insert_records(
        account.id, Kind.ITEMS, [NewRecord("Rocks", key, {}, "realm-1", "7", "run-1")]
    )

    deletion = await records.delete(account, Kind.ITEMS, " ROCKS ")
    missing = await records.delete(account, Kind.ITEMS, "Pebbles")

    assert deletion.record is not None
    assert deletion.record.name == "Rocks"
    assert missing.record is None
    known = await store.lookup(account.id, Kind.ITEMS, "realm-1", [key], ["7"])
    assert known.deleted_keys == {key}
    assert known.deleted_qbo_ids == {"7"}


@pytest.mark.parametrize("price", ["1234567890123456", "0." + "1" * 35, "1e1000000"])
async def test_a_price_an_import_would_skip_cannot_be_added_by_hand(
    records: RecordService, account: Account, price: str
) -> None:
    assert not fits_money(price)  # the import's rule (R5) skips it
    with pytest.raises(InvalidValue, match="at most 15 digits before the point and 34 digits"):
        await records.add(account, Kind.ITEMS, "Huge", {"unit_price": price})
    assert await records.count(account, Kind.ITEMS) == 0
