"""Clients and items in SQLite: the unique name index refuses (R1), tombstones keep R2."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from importer.domain.errors import NameTaken
from importer.domain.model import Kind, NewRecord, Record
from importer.domain.names import name_key
from importer.domain.rules import ExistingRecord, ImportedRecord, Known
from storage.sqlite.core import SqliteCore
from storage.sqlite.schema import (
    RECORD_COLUMNS,
    iso_time,
    table_of,
    to_json,
    utc,
)

ROWS_PER_STATEMENT = 3000


class RecordsMixin(SqliteCore):
    """Clients, items and deleted names."""

    async def lookup(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        keys: Sequence[str],
        qbo_ids: Sequence[str],
    ) -> Known:
        table = table_of(kind)

        def work(conn: sqlite3.Connection) -> Known:
            # Made here, on the store's thread, once each: a batch asks about thousands.
            asked_keys, asked_ids = set(keys), set(qbo_ids)
            keys_json, ids_json = to_json(list(keys)), to_json(list(qbo_ids))
            existing: dict[str, ExistingRecord] = {}
            imported: dict[str, ImportedRecord] = {}
            # Records holding an asked name key, then those imported from an asked QBO Id of
            # this company under another name (R9): one statement, each half on its index.
            for key, realm, qbo_id, run_id, name in conn.execute(
                f"SELECT name_key, qbo_realm, qbo_id, run_id, name FROM {table} "
                "WHERE account_id = ? AND name_key IN (SELECT value FROM json_each(?)) "
                "UNION ALL "
                f"SELECT name_key, qbo_realm, qbo_id, run_id, name FROM {table} "
                "WHERE account_id = ? AND qbo_realm = ? "
                "AND qbo_id IN (SELECT value FROM json_each(?)) "
                "AND name_key NOT IN (SELECT value FROM json_each(?))",
                (account_id, keys_json, account_id, realm_id, ids_json, keys_json),
            ):
                if key in asked_keys:
                    existing[key] = ExistingRecord(realm, qbo_id, run_id)
                if realm == realm_id and qbo_id in asked_ids:
                    imported[qbo_id] = ImportedRecord(realm, name, key, run_id)
            deleted_keys: set[str] = set()
            deleted_ids: set[str] = set()
            for key, realm, qbo_id in conn.execute(
                "SELECT name_key, qbo_realm, qbo_id FROM deleted_names "
                "WHERE account_id = ? AND kind = ? "
                "AND name_key IN (SELECT value FROM json_each(?)) "
                "UNION ALL "
                "SELECT name_key, qbo_realm, qbo_id FROM deleted_names "
                "WHERE account_id = ? AND kind = ? AND qbo_realm = ? "
                "AND qbo_id IN (SELECT value FROM json_each(?))",
                (
                    account_id,
                    kind.value,
                    keys_json,
                    account_id,
                    kind.value,
                    realm_id,
                    ids_json,
                ),
            ):
                if key in asked_keys:
                    deleted_keys.add(key)
                if realm == realm_id and qbo_id in asked_ids:
                    deleted_ids.add(qbo_id)
            return Known(existing, frozenset(deleted_keys), frozenset(deleted_ids), imported)

        return await self._call(work, write=False, bulk=True)

    def _record_row(
        self, account_id: str, record: NewRecord, record_id: str, created_at: str
    ) -> tuple[Any, ...]:
        return (
            record_id,
            account_id,
            record.name,
            record.name_key,
            record.qbo_realm,
            record.qbo_id,
            record.run_id,
            created_at,
            to_json(record.fields if type(record.fields) is dict else dict(record.fields)),
        )

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        if not records:
            return set()
        table = table_of(kind)
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> set[str]:
            # Rows are made here, on the store's thread: the event loop stays free meanwhile.
            ids = self._ids.many(len(records))
            rows = [
                self._record_row(account_id, record, record_id, now)
                for record, record_id in zip(records, ids, strict=True)
            ]
            inserted = 0
            # Multi-row statements: one step (and one release of the GIL) for a whole batch,
            # not one per record; 9 parameters a row stay below SQLite's 32,766 a statement.
            for at in range(0, len(rows), ROWS_PER_STATEMENT):
                batch = rows[at : at + ROWS_PER_STATEMENT]
                inserted += conn.execute(
                    f"INSERT INTO {table} ({RECORD_COLUMNS}) VALUES "
                    + ",".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(batch))
                    + " ON CONFLICT (account_id, name_key) DO NOTHING",
                    list(itertools.chain.from_iterable(batch)),
                ).rowcount
            if inserted == len(records):
                return set()
            # Some were refused: the ones whose key now belongs to another id.
            placed = {
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
                    (to_json([row[0] for row in rows]),),
                )
            }
            return {row[3] for row in rows if row[0] not in placed}

        return await self._call(work)

    @staticmethod
    def _record(kind: Kind, row: sqlite3.Row | tuple[Any, ...]) -> Record:
        return Record(
            id=row[0],
            account_id=row[1],
            kind=kind,
            name=row[2],
            name_key=row[3],
            qbo_realm=row[4],
            qbo_id=row[5],
            run_id=row[6],
            created_at=utc(datetime.fromisoformat(row[7])),
            fields=json.loads(row[8]),
        )

    async def add_record(self, account_id: str, kind: Kind, record: NewRecord) -> Record:
        row = self._record_row(account_id, record, self._ids.new(), iso_time(self._clock()))
        table = table_of(kind)

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO {table} ({RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError as error:
                raise NameTaken(f"{record.name!r} already exists") from error

        await self._call(work)
        return self._record(kind, row)

    async def list_records(
        self,
        account_id: str,
        kind: Kind,
        *,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]:
        table = table_of(kind)
        needle = name_key(search or "")

        def work(conn: sqlite3.Connection) -> list[Record]:
            rows = conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM {table} WHERE account_id = ? "
                "AND instr(name_key, ?) > 0 ORDER BY name_key LIMIT ? OFFSET ?",
                (account_id, needle, limit, offset),
            )
            return [self._record(kind, row) for row in rows]

        return await self._call(work, write=False)

    async def count_records(self, account_id: str, kind: Kind, *, search: str | None = None) -> int:
        table = table_of(kind)
        needle = name_key(search or "")

        def work(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                f"SELECT count(*) FROM {table} WHERE account_id = ? AND instr(name_key, ?) > 0",
                (account_id, needle),
            ).fetchone()
            return int(row[0])

        return await self._call(work, write=False)

    async def find_record(self, account_id: str, kind: Kind, key: str) -> Record | None:
        table = table_of(kind)

        def work(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM {table} WHERE account_id = ? AND name_key = ?",
                (account_id, key),
            ).fetchone()
            return None if row is None else self._record(kind, row)

        return await self._call(work, write=False)

    async def delete_record(self, account_id: str, kind: Kind, record_id: str) -> Record | None:
        table = table_of(kind)
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM {table} WHERE account_id = ? AND id = ?",
                (account_id, record_id),
            ).fetchone()
            if row is None:
                return None
            record = self._record(kind, row)
            conn.execute(
                "INSERT INTO deleted_names VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_id, kind, name_key) DO UPDATE SET "
                "name = excluded.name, qbo_realm = coalesce(excluded.qbo_realm, qbo_realm), "
                "qbo_id = coalesce(excluded.qbo_id, qbo_id), deleted_at = excluded.deleted_at",
                (
                    account_id,
                    kind.value,
                    record.name_key,
                    record.name,
                    record.qbo_realm,
                    record.qbo_id,
                    now,
                ),
            )
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,))
            return record

        return await self._call(work)
