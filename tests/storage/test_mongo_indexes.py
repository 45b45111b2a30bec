"""MongoDB's indexes: what makes the import's one look-up per batch fast."""

from __future__ import annotations

from storage.mongo import MongoStore
from tests.mongomock import mongomock_database


async def test_records_are_indexed_by_qbo_id_for_the_import_look_up() -> None:
    store = MongoStore(mongomock_database())
    await store.migrate()
    for collection in ("clients", "items"):
        indexes = await store.database[collection].index_information()
        keys = [[field for field, _ in index["key"]] for index in indexes.values()]
        assert ["account_id", "qbo_realm", "qbo_id"] in keys
