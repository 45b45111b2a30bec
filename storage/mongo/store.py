"""The Store on MongoDB: accounts, QBO connections and OAuth states, plus records and runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet
from importer.domain.errors import AccountExists, StoreError
from importer.domain.messages import N_
from importer.domain.model import Account
from importer.domain.names import NAME_KEY_VERSION, name_key
from storage.connections import check_changes
from storage.mongo.core import driver_errors_translated
from storage.mongo.documents import (
    account_from,
    connection_doc,
    connection_from,
    new_id,
    plain,
    tokens_doc,
    utc,
)
from storage.mongo.jobs import JobsMixin
from storage.mongo.records import RecordsMixin
from storage.mongo.runs import RunsMixin
from storage.mongo.slack import SlackMixin
from storage.mongo.webhooks import WebhooksMixin
from storage.rekey import StoredKey, log_clashes, plan_rekeying

# Raised by each change to the collections or indexes; migrate writes it, readiness reads it.
SCHEMA_VERSION = 4
# The collections holding name keys: (collection, what a document is, the fields a key is unique
# within, the field giving the oldest first).
_KEYED_COLLECTIONS = [
    ("accounts", "accounts", (), "created_at"),
    ("clients", "clients", ("account_id",), "created_at"),
    ("items", "items", ("account_id",), "created_at"),
    ("deleted_names", "deleted names", ("account_id", "kind"), "deleted_at"),
]


@driver_errors_translated
class MongoStore(RecordsMixin, RunsMixin, JobsMixin, WebhooksMixin, SlackMixin):
    """Everything the product keeps, in one MongoDB database."""

    async def migrate(self) -> None:
        """Create every index, then note the schema version; safe to run again."""
        await super().migrate()
        await self._rekey_names()
        self._trip()
        await self.database["meta"].update_one(
            {"_id": "schema"}, {"$max": {"version": SCHEMA_VERSION}}, upsert=True
        )

    async def _rekey_names(self) -> None:
        """Make every stored name key again when name_key changed since they were made."""
        self._trip()
        noted = await self.database["meta"].find_one({"_id": "name_key"})
        if noted is not None and int(noted.get("version", 0)) >= NAME_KEY_VERSION:
            return
        for collection, what, scope, since in _KEYED_COLLECTIONS:
            self._trip()
            cursor = (
                self.database[collection]
                .find({}, {"name": 1, "name_key": 1, **dict.fromkeys(scope, 1)})
                .sort([(since, ASCENDING), ("_id", ASCENDING)])
            )
            docs = await cursor.to_list(None)
            moves, clashes = plan_rekeying(
                StoredKey(
                    doc["_id"], tuple(doc.get(f) for f in scope), doc["name"], doc["name_key"]
                )
                for doc in docs
            )
            # First out of the way (no key holds a control character), then in place: a key may
            # move to one another document held before. Few keys change: one write each.
            for step in ({row: f"\x1b{row}" for row in moves}, moves):
                for row, key in step.items():
                    self._trip()
                    await self.database[collection].update_one(
                        {"_id": row}, {"$set": {"name_key": key}}
                    )
            log_clashes(what, clashes)
        self._trip()
        await self.database["meta"].update_one(
            {"_id": "name_key"}, {"$set": {"version": NAME_KEY_VERSION}}, upsert=True
        )

    async def readiness(self) -> str | None:
        """Return None when the database answers and its indexes are current, else why not."""
        self._trip()
        doc = await self.database["meta"].find_one({"_id": "schema"})
        version = 0 if doc is None else int(doc.get("version", 0))
        if version < SCHEMA_VERSION:
            return f"the database schema is behind (version {version}); run invoice2go migrate"
        self._trip()
        noted = await self.database["meta"].find_one({"_id": "name_key"})
        if noted is None or int(noted.get("version", 0)) < NAME_KEY_VERSION:
            return "the stored name keys are behind; run invoice2go migrate"
        return None

    # accounts

    async def create_account(self, name: str, plan: str, currency: str = "USD") -> Account:
        """Create an account; raise AccountExists when the name is taken."""
        account = Account(new_id(), name.strip(), plan, currency, self._now())
        self._trip()
        try:
            await self.database["accounts"].insert_one(
                {
                    "_id": account.id,
                    "name": account.name,
                    "name_key": name_key(account.name),
                    "plan": plan,
                    "currency": currency,
                    "created_at": account.created_at,
                }
            )
        except DuplicateKeyError as error:
            raise AccountExists(f"an account named {account.name!r} already exists") from error
        return account

    async def _one_account(self, query: Mapping[str, Any]) -> Account | None:
        self._trip()
        doc = await self.database["accounts"].find_one(query)
        return None if doc is None else account_from(doc)

    async def find_account(self, name: str) -> Account | None:
        """Return the account with this name, compared as name keys."""
        return await self._one_account({"name_key": name_key(name)})

    async def get_account(self, account_id: str) -> Account | None:
        """Return the account with this id."""
        return await self._one_account({"_id": account_id})

    async def list_accounts(self) -> list[Account]:
        """Return every account ordered by name key."""
        self._trip()
        cursor = self.database["accounts"].find().sort([("name_key", ASCENDING)])
        return [account_from(doc) for doc in await cursor.to_list(None)]

    # QBO connections

    async def save_connection(self, connection: QboConnection) -> QboConnection:
        """Attach (or re-attach) a company to an account; token_version only grows."""
        saved = replace(connection, token_version=0, connected_at=self._now())
        doc = connection_doc(saved)
        fields = {k: v for k, v in doc.items() if k not in ("_id", "token_version")}
        collection = self.database["qbo_connections"]
        for _ in range(2):
            self._trip()
            replaced = await collection.find_one_and_update(
                {"_id": doc["_id"]},
                {"$set": fields, "$inc": {"token_version": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if replaced is not None:
                return connection_from(replaced)
            self._trip()
            try:
                await collection.insert_one(doc)
            except DuplicateKeyError:
                continue  # attached meanwhile by another process: re-attach over it
            return replace(saved, tokens=connection_from(doc).tokens)
        raise StoreError(
            N_("the QuickBooks connection of account {account} keeps changing"), account=doc["_id"]
        )

    async def get_connection(self, account_id: str) -> QboConnection | None:
        """Return the account's QBO connection."""
        self._trip()
        doc = await self.database["qbo_connections"].find_one({"_id": account_id})
        return None if doc is None else connection_from(doc)

    async def swap_tokens(self, account_id: str, expected_version: int, tokens: TokenSet) -> bool:
        """Replace tokens only if the stored version is still expected_version (compare-and-set)."""
        self._trip()
        result = await self.database["qbo_connections"].update_one(
            {"_id": account_id, "token_version": expected_version},
            {"$set": {"tokens": tokens_doc(tokens)}, "$inc": {"token_version": 1}},
        )
        return result.modified_count == 1

    async def set_connection_status(
        self,
        account_id: str,
        status: ConnectionStatus,
        reason: str | None = None,
        *,
        token_version: int | None = None,
        from_status: ConnectionStatus | None = None,
    ) -> bool:
        """Mark the connection's status; with token_version or from_status, compare-and-set."""
        query: dict[str, Any] = {"_id": account_id}
        if token_version is not None:
            query["token_version"] = token_version
        if from_status is not None:
            query["status"] = from_status.value
        self._trip()
        result = await self.database["qbo_connections"].update_one(
            query, {"$set": {"status": status.value, "status_reason": reason}}
        )
        return result.matched_count == 1

    async def update_connection(self, account_id: str, **changes: Any) -> None:
        """Change descriptive fields (company name, currency, income account)."""
        check_changes(changes)
        if not changes:
            return
        values = {k: v.value if isinstance(v, ConnectionStatus) else v for k, v in changes.items()}
        self._trip()
        await self.database["qbo_connections"].update_one(
            {"_id": account_id}, {"$set": plain(values)}
        )

    # OAuth states

    async def put_oauth_state(
        self, state_id: str, data: Mapping[str, Any], expires_at: datetime
    ) -> None:
        """Keep a state until it is taken or expires."""
        self._trip()
        try:
            await self.database["oauth_states"].insert_one(
                {"_id": state_id, "data": plain(data), "expires_at": utc(expires_at)}
            )
        except DuplicateKeyError as error:
            raise StoreError(N_("OAuth state {state} exists already"), state=state_id) from error

    async def get_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        """Return a state that has not expired nor been taken, leaving it in place."""
        self._trip()
        doc = await self.database["oauth_states"].find_one({"_id": state_id})
        if doc is None or utc(doc["expires_at"]) <= self._now():
            return None
        data: dict[str, Any] = doc["data"]
        return data

    async def take_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        """Return and remove a state that has not expired; None when unknown, used or expired."""
        self._trip()
        doc = await self.database["oauth_states"].find_one_and_delete({"_id": state_id})
        # The TTL monitor runs once a minute, so an expired state can still be there.
        if doc is None or utc(doc["expires_at"]) <= self._now():
            return None
        data: dict[str, Any] = doc["data"]
        return data
