"""Webhook events and auto-import on MongoDB: events deduplicated by their key as _id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel
from pymongo.errors import BulkWriteError

from importer.domain.errors import StoreError
from importer.domain.messages import N_
from importer.domain.model import Account
from importer.domain.webhooks import ChangeEvent
from storage.mongo.core import MongoCore
from storage.mongo.documents import Doc, account_from, utc

DUPLICATE_KEY = 11000

WEBHOOK_INDEXES = [
    IndexModel(
        [("received_at", ASCENDING)],
        name="pending",
        partialFilterExpression={"pending": True},
    ),
    IndexModel([("processed_at", ASCENDING)], name="done", sparse=True),
]
CONNECTION_INDEXES = [IndexModel([("realm_id", ASCENDING)], name="realm")]


class WebhooksMixin(MongoCore):
    """Webhook events, and the accounts that import what they announce."""

    async def migrate(self) -> None:
        """Create the indexes, the webhook events' among them; safe to run again."""
        await super().migrate()
        self._trip()
        await self.database["webhook_events"].create_indexes(WEBHOOK_INDEXES)
        self._trip()
        await self.database["qbo_connections"].create_indexes(CONNECTION_INDEXES)

    async def connected_realms(self, realm_ids: Sequence[str]) -> set[str]:
        """Return which of these QBO companies an account is connected to."""
        asked = sorted(set(realm_ids))
        if not asked:
            return set()
        self._trip()
        cursor = self.database["qbo_connections"].find(
            {"realm_id": {"$in": asked}, "status": {"$ne": "disconnected"}}, {"realm_id": 1}
        )
        return {doc["realm_id"] for doc in await cursor.to_list(None)}

    async def save_webhook_events(self, events: Sequence[ChangeEvent]) -> int:
        """Keep events not seen before (by key); return how many were new."""
        if not events:
            return 0
        now = self._now()
        docs = [
            {
                "_id": e.key,
                "realm_id": e.realm_id,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "operation": e.operation,
                "occurred_at": e.occurred_at,
                "deleted_id": e.deleted_id,
                "received_at": now,
                "pending": True,
            }
            for e in events
        ]
        self._trip()
        try:
            result = await self.database["webhook_events"].insert_many(docs, ordered=False)
        except BulkWriteError as error:
            errors: list[Doc] = error.details.get("writeErrors", [])
            if any(entry.get("code") != DUPLICATE_KEY for entry in errors):
                raise StoreError(
                    N_("cannot keep the webhook events: {problem}"),
                    problem=f"{type(error).__name__}: {str(error)[:200]}",
                ) from error
            return len(docs) - len(errors)
        return len(result.inserted_ids)

    async def pending_webhook_events(
        self, received_before: datetime, limit: int = 1000
    ) -> list[ChangeEvent]:
        """Return events received before a time and not acted on yet, oldest first."""
        if limit <= 0:
            return []
        self._trip()
        cursor = (
            self.database["webhook_events"]
            .find({"pending": True, "received_at": {"$lt": utc(received_before)}})
            .sort([("received_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [
            ChangeEvent(
                key=doc["_id"],
                realm_id=doc["realm_id"],
                entity=doc["entity"],
                entity_id=doc["entity_id"],
                operation=doc["operation"],
                occurred_at=doc["occurred_at"],
                deleted_id=doc.get("deleted_id"),
                handed=frozenset(doc.get("handed") or ()),
            )
            for doc in await cursor.to_list(None)
        ]

    async def hand_webhook_events(self, keys: Sequence[str], account_id: str) -> None:
        """Note that an account was given an auto-import job for these events."""
        if not keys:
            return
        self._trip()
        await self.database["webhook_events"].update_many(
            {"_id": {"$in": list(keys)}}, {"$addToSet": {"handed": account_id}}
        )

    async def mark_webhook_events(self, keys: Sequence[str]) -> None:
        """Note that these events were acted on (by every account)."""
        if not keys:
            return
        self._trip()
        await self.database["webhook_events"].update_many(
            {"_id": {"$in": list(keys)}},
            {"$set": {"processed_at": self._now()}, "$unset": {"pending": "", "handed": ""}},
        )

    async def purge_webhook_events(self, done_before: datetime) -> int:
        """Delete the events acted on before a time; return how many were deleted."""
        self._trip()
        deleted = await self.database["webhook_events"].delete_many(
            {"processed_at": {"$lt": utc(done_before)}}
        )
        return int(deleted.deleted_count)

    async def auto_import_accounts(self, realm_id: str) -> list[Account]:
        """Return the accounts connected to this company that turned auto-import on."""
        self._trip()
        cursor = self.database["qbo_connections"].find(
            {"realm_id": realm_id, "status": "connected"}, {"_id": 1}
        )
        ids = [doc["_id"] for doc in await cursor.to_list(None)]
        if not ids:
            return []
        self._trip()
        accounts = self.database["accounts"].find({"_id": {"$in": ids}, "auto_import": True})
        found = [account_from(doc) for doc in await accounts.to_list(None)]
        return sorted(found, key=lambda account: account.name.casefold())

    async def set_auto_import(self, account_id: str, enabled: bool) -> None:
        """Turn auto-import (J7) on or off for an account."""
        self._trip()
        await self.database["accounts"].update_one(
            {"_id": account_id}, {"$set": {"auto_import": enabled}}
        )
