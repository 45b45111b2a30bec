"""The Store on one SQLite file: accounts, QBO connections and OAuth states, records, runs."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet
from importer.domain.errors import AccountExists
from importer.domain.model import Account
from importer.domain.names import NAME_KEY_VERSION, name_key
from storage.connections import (
    check_changes,
    connection_from_doc,
    connection_to_doc,
    tokens_to_doc,
)
from storage.sqlite.jobs import JobsMixin
from storage.sqlite.records import RecordsMixin
from storage.sqlite.runs import RunsMixin
from storage.sqlite.schema import (
    iso_time,
    name_keys_version,
    parse_time,
    to_json,
)
from storage.sqlite.slack import SlackMixin
from storage.sqlite.webhooks import ACCOUNT_COLUMNS, WebhooksMixin, account_from_row

# Raised by each change to the tables; migrate writes it, readiness compares it.
SCHEMA_VERSION = 7


class SqliteStore(RecordsMixin, RunsMixin, JobsMixin, WebhooksMixin, SlackMixin):
    """The Store on one SQLite file."""

    async def migrate(self) -> None:
        await super().migrate()
        await self._call(lambda conn: conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}"))

    async def readiness(self) -> str | None:
        """Return None when the file answers and its tables are current, else why not."""

        def work(conn: sqlite3.Connection) -> tuple[int, int]:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            return version, name_keys_version(conn) if version >= SCHEMA_VERSION else 0

        version, keys_version = await self._call(work, write=False)
        if version < SCHEMA_VERSION:
            return f"the database schema is behind (version {version}); run invoice2go migrate"
        if keys_version < NAME_KEY_VERSION:
            return "the stored name keys are behind; run invoice2go migrate"
        return None

    # accounts

    async def create_account(self, name: str, plan: str, currency: str = "USD") -> Account:
        account = Account(uuid.uuid4().hex, name.strip(), plan, currency, self._clock())

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO accounts (id, name, name_key, plan, currency, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        account.id,
                        account.name,
                        name_key(account.name),
                        plan,
                        currency,
                        iso_time(account.created_at),
                    ),
                )
            except sqlite3.IntegrityError as error:
                raise AccountExists(f"an account named {account.name!r} already exists") from error

        await self._call(work)
        return account

    async def _one_account(self, where: str, value: str) -> Account | None:
        def work(conn: sqlite3.Connection) -> Account | None:
            row = conn.execute(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {where} = ?",
                (value,),
            ).fetchone()
            return None if row is None else account_from_row(row)

        return await self._call(work, write=False)

    async def find_account(self, name: str) -> Account | None:
        return await self._one_account("name_key", name_key(name))

    async def get_account(self, account_id: str) -> Account | None:
        return await self._one_account("id", account_id)

    async def list_accounts(self) -> list[Account]:
        def work(conn: sqlite3.Connection) -> list[Account]:
            rows = conn.execute(f"SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name_key")
            return [account_from_row(row) for row in rows]

        return await self._call(work, write=False)

    # QBO connections

    async def save_connection(self, connection: QboConnection) -> QboConnection:
        saved = replace(connection, connected_at=self._clock())

        def work(conn: sqlite3.Connection) -> int:
            # A re-attached connection counts on from the replaced one: versions only grow.
            row = conn.execute(
                "INSERT INTO qbo_connections VALUES (?, ?, 0, ?) ON CONFLICT (account_id) "
                "DO UPDATE SET realm_id = excluded.realm_id, doc = excluded.doc, "
                "token_version = token_version + 1 RETURNING token_version",
                (saved.account_id, saved.realm_id, to_json(connection_to_doc(saved, iso_time))),
            ).fetchone()
            version: int = row[0]
            return version

        return replace(saved, token_version=await self._call(work))

    async def get_connection(self, account_id: str) -> QboConnection | None:
        def work(conn: sqlite3.Connection) -> QboConnection | None:
            row = conn.execute(
                "SELECT realm_id, token_version, doc FROM qbo_connections WHERE account_id = ?",
                (account_id,),
            ).fetchone()
            if row is None:
                return None
            return connection_from_doc(account_id, row[0], row[1], json.loads(row[2]), parse_time)

        return await self._call(work, write=False)

    def _patch_connection(self, conn: sqlite3.Connection, account_id: str, changes: Any) -> bool:
        row = conn.execute(
            "SELECT doc FROM qbo_connections WHERE account_id = ?", (account_id,)
        ).fetchone()
        if row is None:
            return False
        doc = json.loads(row[0])
        doc.update(changes)
        conn.execute(
            "UPDATE qbo_connections SET doc = ? WHERE account_id = ?", (to_json(doc), account_id)
        )
        return True

    async def swap_tokens(self, account_id: str, expected_version: int, tokens: TokenSet) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            changed = conn.execute(
                "UPDATE qbo_connections SET token_version = token_version + 1 "
                "WHERE account_id = ? AND token_version = ?",
                (account_id, expected_version),
            ).rowcount
            return bool(changed) and self._patch_connection(
                conn, account_id, {"tokens": tokens_to_doc(tokens, iso_time)}
            )

        return await self._call(work)

    async def set_connection_status(
        self,
        account_id: str,
        status: ConnectionStatus,
        reason: str | None = None,
        *,
        token_version: int | None = None,
        from_status: ConnectionStatus | None = None,
    ) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT token_version, json_extract(doc, '$.status') FROM qbo_connections "
                "WHERE account_id = ?",
                (account_id,),
            ).fetchone()
            if row is None or token_version not in (None, row[0]):
                return False
            if from_status is not None and row[1] != from_status.value:
                return False
            changes = {"status": status.value, "status_reason": reason}
            return self._patch_connection(conn, account_id, changes)

        return await self._call(work)

    async def update_connection(self, account_id: str, **changes: Any) -> None:
        check_changes(changes)
        await self._call(lambda conn: self._patch_connection(conn, account_id, changes))

    # OAuth states

    async def put_oauth_state(
        self, state_id: str, data: Mapping[str, Any], expires_at: datetime
    ) -> None:
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> None:
            # Expired states go as new ones come, as MongoDB's TTL index removes them there.
            conn.execute("DELETE FROM oauth_states WHERE expires_at <= ?", (now,))
            conn.execute(
                "INSERT INTO oauth_states VALUES (?, ?, ?)",
                (state_id, to_json(dict(data)), iso_time(expires_at)),
            )

        await self._call(work)

    async def get_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(
                "SELECT data, expires_at FROM oauth_states WHERE id = ?", (state_id,)
            ).fetchone()
            if row is None or datetime.fromisoformat(row[1]) <= now:
                return None
            data: dict[str, Any] = json.loads(row[0])
            return data

        return await self._call(work, write=False)

    async def take_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(
                "DELETE FROM oauth_states WHERE id = ? RETURNING data, expires_at", (state_id,)
            ).fetchone()
            if row is None or datetime.fromisoformat(row[1]) <= now:
                return None
            data: dict[str, Any] = json.loads(row[0])
            return data

        return await self._call(work)
