"""Webhook events and auto-import in SQLite: events deduplicated by key, acted on once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from importer.domain.model import Account
from importer.domain.webhooks import ChangeEvent
from storage.sqlite.core import SqliteCore
from storage.sqlite.schema import iso_time, utc

WEBHOOK_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_events (
    key TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    deleted_id TEXT,
    received_at TEXT NOT NULL,
    processed_at TEXT
);
CREATE INDEX IF NOT EXISTS webhook_events_pending
    ON webhook_events (received_at) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS webhook_events_done
    ON webhook_events (processed_at) WHERE processed_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS webhook_event_accounts (
    key TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (key, account_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS qbo_connections_realm ON qbo_connections (realm_id);
"""

ACCOUNT_COLUMNS = "id, name, plan, currency, created_at, auto_import"


def account_from_row(row: tuple[object, ...]) -> Account:
    """Build an account from a row of ACCOUNT_COLUMNS."""
    created = datetime.fromisoformat(str(row[4]))
    return Account(str(row[0]), str(row[1]), str(row[2]), str(row[3]), utc(created), bool(row[5]))


class WebhooksMixin(SqliteCore):
    """Webhook events, and the accounts that import what they announce."""

    async def migrate(self) -> None:
        await super().migrate()

        def work(conn: sqlite3.Connection) -> None:
            for statement in WEBHOOK_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(accounts)")}
            if "auto_import" not in columns:  # databases made before auto-import
                conn.execute(
                    "ALTER TABLE accounts ADD COLUMN auto_import INTEGER NOT NULL DEFAULT 0"
                )

        await self._call(work)

    async def connected_realms(self, realm_ids: Sequence[str]) -> set[str]:
        asked = sorted(set(realm_ids))
        if not asked:
            return set()
        marks = ",".join("?" * len(asked))

        def work(conn: sqlite3.Connection) -> set[str]:
            rows = conn.execute(
                f"SELECT DISTINCT realm_id FROM qbo_connections WHERE realm_id IN ({marks}) "
                "AND json_extract(doc, '$.status') != 'disconnected'",
                asked,
            )
            return {row[0] for row in rows}

        return await self._call(work, write=False)

    async def save_webhook_events(self, events: Sequence[ChangeEvent]) -> int:
        if not events:
            return 0
        now = iso_time(self._clock())
        rows = [
            (
                e.key,
                e.realm_id,
                e.entity,
                e.entity_id,
                e.operation,
                e.occurred_at,
                e.deleted_id,
                now,
            )
            for e in events
        ]

        def work(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO webhook_events (key, realm_id, entity, entity_id, operation, "
                "occurred_at, deleted_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                rows,
            )
            return conn.total_changes - before

        return await self._call_grouped(work)

    async def pending_webhook_events(
        self, received_before: datetime, limit: int = 1000
    ) -> list[ChangeEvent]:
        def work(conn: sqlite3.Connection) -> list[ChangeEvent]:
            rows = conn.execute(
                "SELECT e.key, realm_id, entity, entity_id, operation, occurred_at, deleted_id, "
                "json_group_array(a.account_id) FILTER (WHERE a.account_id IS NOT NULL) "
                "FROM webhook_events e LEFT JOIN webhook_event_accounts a ON a.key = e.key "
                "WHERE processed_at IS NULL AND received_at < ? "
                "GROUP BY e.key ORDER BY received_at, e.key LIMIT ?",
                (iso_time(received_before), limit),
            )
            return [_event(row) for row in rows]

        return await self._call(work, write=False)

    async def hand_webhook_events(self, keys: Sequence[str], account_id: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR IGNORE INTO webhook_event_accounts (key, account_id) VALUES (?, ?)",
                [(key, account_id) for key in keys],
            )

        await self._call(work)

    async def mark_webhook_events(self, keys: Sequence[str]) -> None:
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "UPDATE webhook_events SET processed_at = ? WHERE key = ?",
                [(now, key) for key in keys],
            )
            # Acted on by every account: who was given it no longer matters.
            conn.executemany(
                "DELETE FROM webhook_event_accounts WHERE key = ?", [(key,) for key in keys]
            )

        await self._call(work)

    async def purge_webhook_events(self, done_before: datetime) -> int:
        def work(conn: sqlite3.Connection) -> int:
            deleted = conn.execute(
                "DELETE FROM webhook_events WHERE processed_at IS NOT NULL AND processed_at < ?",
                (iso_time(done_before),),
            )
            return deleted.rowcount

        return await self._call(work)

    async def auto_import_accounts(self, realm_id: str) -> list[Account]:
        def work(conn: sqlite3.Connection) -> list[Account]:
            rows = conn.execute(
                f"SELECT {', '.join('a.' + c for c in ACCOUNT_COLUMNS.split(', '))} "
                "FROM accounts a JOIN qbo_connections c ON c.account_id = a.id "
                "WHERE c.realm_id = ? AND a.auto_import = 1 "
                "AND json_extract(c.doc, '$.status') = 'connected' ORDER BY a.name_key",
                (realm_id,),
            )
            return [account_from_row(row) for row in rows]

        return await self._call(work, write=False)

    async def set_auto_import(self, account_id: str, enabled: bool) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE accounts SET auto_import = ? WHERE id = ?", (int(enabled), account_id)
            )

        await self._call(work)


def _event(row: tuple[Any, ...]) -> ChangeEvent:
    key, realm_id, entity, entity_id, operation, occurred_at, deleted_id, handed = row
    return ChangeEvent(
        key,
        realm_id,
        entity,
        entity_id,
        operation,
        occurred_at,
        deleted_id,
        handed=frozenset(json.loads(handed)),
    )
