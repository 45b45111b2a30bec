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
from importer.domain.names import name_key
from storage.connections import (
    check_changes,
    connection_from_doc,
    connection_to_doc,
    tokens_to_doc,
)
from storage.sqlite.records import RecordsMixin
from storage.sqlite.runs import RunsMixin
from storage.sqlite.schema import (
    iso_time,
    parse_time,
    to_json,
    utc,
)


class SqliteStore(RecordsMixin, RunsMixin):
    """The Store on one SQLite file."""

    # accounts

    @staticmethod
    def _account(row: sqlite3.Row | tuple[Any, ...]) -> Account:
        return Account(row[0], row[1], row[2], row[3], utc(datetime.fromisoformat(row[4])))

    async def create_account(self, name: str, plan: str, currency: str = "USD") -> Account:
        account = Account(uuid.uuid4().hex, name.strip(), plan, currency, self._clock())

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
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
                f"SELECT id, name, plan, currency, created_at FROM accounts WHERE {where} = ?",
                (value,),
            ).fetchone()
            return None if row is None else self._account(row)

        return await self._call(work, write=False)

    async def find_account(self, name: str) -> Account | None:
        return await self._one_account("name_key", name_key(name))

    async def get_account(self, account_id: str) -> Account | None:
        return await self._one_account("id", account_id)

    async def list_accounts(self) -> list[Account]:
        def work(conn: sqlite3.Connection) -> list[Account]:
            rows = conn.execute(
                "SELECT id, name, plan, currency, created_at FROM accounts ORDER BY name_key"
            )
            return [self._account(row) for row in rows]

        return await self._call(work, write=False)

    # QBO connections

    async def save_connection(self, connection: QboConnection) -> QboConnection:
        saved = replace(connection, token_version=0, connected_at=self._clock())

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO qbo_connections VALUES (?, ?, 0, ?)",
                (saved.account_id, saved.realm_id, to_json(connection_to_doc(saved, iso_time))),
            )

        await self._call(work)
        return saved

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
        self, account_id: str, status: ConnectionStatus, reason: str | None = None
    ) -> None:
        await self.update_connection(account_id, status=status.value, status_reason=reason)

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
