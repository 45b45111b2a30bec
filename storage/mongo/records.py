"""Clients and items on MongoDB: the unique name index does the refusing (R1), tombstones R2."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from importer.domain.errors import NameTaken, StoreError
from importer.domain.messages import N_
from importer.domain.model import Kind, NewRecord, Record
from importer.domain.names import name_key
from importer.domain.rules import ExistingRecord, ImportedRecord, Known
from storage.mongo.core import MongoCore
from storage.mongo.documents import Doc, record_doc, record_from

DUPLICATE_KEY = 11000
_CANNOT_INSERT = {
    Kind.CLIENTS: N_("cannot insert the clients: {problem}"),
    Kind.ITEMS: N_("cannot insert the items: {problem}"),
}


class RecordsMixin(MongoCore):
    """Clients, items and deleted names."""

    async def lookup(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        keys: Sequence[str],
        qbo_ids: Sequence[str],
    ) -> Known:
        """Return which of these name keys exist or were deleted, which QBO ids were deleted, and
        the records imported from these QBO ids of realm_id."""
        asked_keys, asked_ids = set(keys), set(qbo_ids)
        existing: dict[str, ExistingRecord] = {}
        imported: dict[str, ImportedRecord] = {}
        # Records holding an asked name key, or imported from an asked QBO Id of this company
        # (R9): one query, each branch of the $or on an index of its own.
        held: list[Doc] = []
        if asked_keys:
            held.append({"account_id": account_id, "name_key": {"$in": sorted(asked_keys)}})
        if asked_ids:
            held.append(
                {
                    "account_id": account_id,
                    "qbo_realm": realm_id,
                    "qbo_id": {"$in": sorted(asked_ids)},
                }
            )
        if held:
            self._trip()
            cursor = self._records(kind).find(
                {"$or": held},
                {"name": 1, "name_key": 1, "qbo_realm": 1, "qbo_id": 1, "run_id": 1},
            )
            for doc in await cursor.to_list(None):
                key, realm, qbo_id = doc["name_key"], doc.get("qbo_realm"), doc.get("qbo_id")
                if key in asked_keys:
                    existing[key] = ExistingRecord(realm, qbo_id, doc.get("run_id"))
                if realm == realm_id and qbo_id in asked_ids:
                    imported[qbo_id] = ImportedRecord(realm, doc["name"], key, doc.get("run_id"))
        either: list[Doc] = []
        if asked_keys:
            either.append({"name_key": {"$in": sorted(asked_keys)}})
        if asked_ids:
            either.append({"qbo_realm": realm_id, "qbo_id": {"$in": sorted(asked_ids)}})
        deleted_keys: set[str] = set()
        deleted_ids: set[str] = set()
        if either:
            self._trip()
            cursor = self.database["deleted_names"].find(
                {"account_id": account_id, "kind": kind.value, "$or": either},
                {"name_key": 1, "qbo_realm": 1, "qbo_id": 1},
            )
            for doc in await cursor.to_list(None):
                if doc["name_key"] in asked_keys:
                    deleted_keys.add(doc["name_key"])
                if doc.get("qbo_realm") == realm_id and doc.get("qbo_id") in asked_ids:
                    deleted_ids.add(doc["qbo_id"])
        return Known(existing, frozenset(deleted_keys), frozenset(deleted_ids), imported)

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        """Insert in one round trip; return the name keys the unique index refused."""
        if not records:
            return set()
        now = self._now()
        docs = [record_doc(account_id, record, now) for record in records]
        self._trip()
        try:
            await self._records(kind).insert_many(docs, ordered=False)
        except BulkWriteError as error:
            errors: list[dict[str, Any]] = error.details.get("writeErrors", [])
            if any(entry.get("code") != DUPLICATE_KEY for entry in errors):
                raise StoreError(
                    _CANNOT_INSERT[kind], problem=f"{type(error).__name__}: {str(error)[:200]}"
                ) from error
            return {records[entry["index"]].name_key for entry in errors}
        return set()

    async def add_record(self, account_id: str, kind: Kind, record: NewRecord) -> Record:
        """Create one record by hand; raise NameTaken when the name exists."""
        doc = record_doc(account_id, record, self._now())
        self._trip()
        try:
            await self._records(kind).insert_one(dict(doc))
        except DuplicateKeyError as error:
            raise NameTaken(f"{record.name!r} already exists") from error
        return record_from(kind, doc)

    async def list_records(
        self,
        account_id: str,
        kind: Kind,
        *,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]:
        """Return records ordered by name key, optionally those whose key contains search."""
        if limit <= 0:
            return []  # MongoDB reads a limit of 0 as "no limit"
        query: Doc = {"account_id": account_id}
        needle = name_key(search or "")
        if needle:
            query["name_key"] = {"$regex": re.escape(needle)}
        self._trip()
        cursor = (
            self._records(kind)
            .find(query)
            .sort([("name_key", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [record_from(kind, doc) for doc in await cursor.to_list(None)]

    async def count_records(self, account_id: str, kind: Kind, *, search: str | None = None) -> int:
        """Return how many clients or items the account holds (whose key contains search)."""
        query: Doc = {"account_id": account_id}
        needle = name_key(search or "")
        if needle:
            query["name_key"] = {"$regex": re.escape(needle)}
        self._trip()
        return await self._records(kind).count_documents(query)

    async def find_record(self, account_id: str, kind: Kind, key: str) -> Record | None:
        """Return the record holding this name key."""
        self._trip()
        doc = await self._records(kind).find_one({"account_id": account_id, "name_key": key})
        return None if doc is None else record_from(kind, doc)

    async def delete_record(self, account_id: str, kind: Kind, record_id: str) -> Record | None:
        """Record the deleted name (and QBO id) first, then remove the record (R2)."""
        self._trip()
        doc = await self._records(kind).find_one({"_id": record_id, "account_id": account_id})
        if doc is None:
            return None
        record = record_from(kind, doc)
        changes: Doc = {"name": record.name, "deleted_at": self._now()}
        if record.qbo_id is not None:
            changes.update(qbo_realm=record.qbo_realm, qbo_id=record.qbo_id)
        tombstone = {"account_id": account_id, "kind": kind.value, "name_key": record.name_key}
        for attempt in range(2):
            self._trip()
            try:
                await self.database["deleted_names"].update_one(
                    tombstone, {"$set": changes}, upsert=True
                )
                break
            except DuplicateKeyError:
                # Two deletes of the same name raced to create the tombstone; it exists now.
                if attempt:
                    raise
        self._trip()
        await self._records(kind).delete_one({"_id": record_id})
        return record
