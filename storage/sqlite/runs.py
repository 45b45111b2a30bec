"""Import runs in SQLite: R8 by a unique lock column, leases checked in the transaction."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from importer.domain.errors import LeaseLost, RunInProgress, StoreError
from importer.domain.messages import N_
from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.runs import Checkpoint, ImportRun, RunRead, RunStatus, run_lock
from storage.runs import LOST, new_run
from storage.sqlite.core import SqliteCore
from storage.sqlite.schema import (
    iso_time,
    parse_time,
    to_json,
    utc,
)


class RunsMixin(SqliteCore):
    """Import runs, their checkpoints and their skipped entries."""

    _RUN_COLUMNS = (
        "id, account_id, kind, realm_id, status, owner, lease_expires_at, started_at, "
        "finished_at, counts, total, pages, next_position, error, read"
    )

    @staticmethod
    def _run(row: sqlite3.Row | tuple[Any, ...]) -> ImportRun:
        return ImportRun(
            id=row[0],
            account_id=row[1],
            kind=Kind(row[2]),
            realm_id=row[3],
            status=RunStatus(row[4]),
            owner=row[5],
            lease_expires_at=utc(datetime.fromisoformat(row[6])),
            started_at=utc(datetime.fromisoformat(row[7])),
            finished_at=parse_time(row[8]),
            counts=Counts.from_dict(json.loads(row[9])),
            total=row[10],
            pages=row[11],
            next_position=row[12],
            error=row[13],
            read=RunRead(row[14]),
        )

    def _select_run(self, conn: sqlite3.Connection, run_id: str) -> ImportRun | None:
        row = conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM import_runs WHERE id = ?", (run_id,)
        ).fetchone()
        return None if row is None else self._run(row)

    async def begin_run(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        owner: str,
        lease: timedelta,
        *,
        read: RunRead = RunRead.FULL,
    ) -> ImportRun:
        now = self._clock()
        run = new_run(account_id, kind, realm_id, owner, now + lease, now, read)
        lock = run_lock(account_id, kind)

        def work(conn: sqlite3.Connection) -> ImportRun:
            row = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM import_runs WHERE lock = ?", (lock,)
            ).fetchone()
            if row is not None:
                raise RunInProgress(self._run(row))
            conn.execute(
                f"INSERT INTO import_runs ({self._RUN_COLUMNS}, lock) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, 0, NULL, NULL, ?, ?)",
                (
                    run.id,
                    account_id,
                    kind.value,
                    realm_id,
                    run.status.value,
                    owner,
                    iso_time(run.lease_expires_at),
                    iso_time(run.started_at),
                    to_json(run.counts.as_dict()),
                    read.value,
                    lock,
                ),
            )
            return run

        return await self._call(work)

    # Still as seen (owner, lease, status), holding its lock, and failed or stale: one
    # compare-and-set judges all of it, with the store's clock.
    _TAKEABLE = (
        "WHERE id = ? AND owner = ? AND lease_expires_at = ? AND status = ? "
        "AND lock IS NOT NULL AND (status = 'failed' OR ? OR lease_expires_at <= ?)"
    )

    def _takeable(self, seen: ImportRun, owner_gone: bool, now: str) -> tuple[Any, ...]:
        return (
            seen.id,
            seen.owner,
            iso_time(seen.lease_expires_at),
            seen.status.value,
            owner_gone,
            now,
        )

    def _changed_or_missing(self, conn: sqlite3.Connection, run_id: str) -> RunInProgress:
        run = self._select_run(conn, run_id)
        if run is None:
            raise StoreError(N_("no import run {run}"), run=run_id)
        return RunInProgress(run)

    async def take_over_run(
        self, seen: ImportRun, owner: str, lease: timedelta, *, owner_gone: bool = False
    ) -> ImportRun:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> ImportRun:
            changed = conn.execute(
                "UPDATE import_runs SET owner = ?, lease_expires_at = ?, status = 'running', "
                f"finished_at = NULL, error = NULL {self._TAKEABLE}",
                (owner, iso_time(now + lease), *self._takeable(seen, owner_gone, iso_time(now))),
            ).rowcount
            if not changed:
                raise self._changed_or_missing(conn, seen.id)
            run = self._select_run(conn, seen.id)
            assert run is not None
            return run

        return await self._call(work)

    async def end_run(self, seen: ImportRun, reason: str, *, owner_gone: bool = False) -> ImportRun:
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> ImportRun:
            changed = conn.execute(
                "UPDATE import_runs SET status = 'failed', finished_at = ?, error = ?, "
                f"lock = NULL {self._TAKEABLE}",
                (now, reason, *self._takeable(seen, owner_gone, now)),
            ).rowcount
            if not changed:
                raise self._changed_or_missing(conn, seen.id)
            run = self._select_run(conn, seen.id)
            assert run is not None
            return run

        return await self._call(work)

    async def cancel_run(self, account_id: str, kind: Kind, reason: str) -> ImportRun | None:
        now = iso_time(self._clock())
        lock = run_lock(account_id, kind)

        def work(conn: sqlite3.Connection) -> ImportRun | None:
            row = conn.execute(
                "UPDATE import_runs SET status = 'failed', finished_at = ?, error = ?, "
                "lock = NULL WHERE lock = ? RETURNING id",
                (now, reason, lock),
            ).fetchone()
            return None if row is None else self._select_run(conn, row[0])

        return await self._call(work)

    def _owned(self, conn: sqlite3.Connection, run_id: str, owner: str) -> None:
        row = conn.execute(
            "SELECT owner, status FROM import_runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None or row[0] != owner or row[1] != RunStatus.RUNNING.value:
            raise LeaseLost(LOST, run_id=run_id)

    async def renew_lease(self, run_id: str, owner: str, lease: timedelta) -> None:
        until = iso_time(self._clock() + lease)

        def work(conn: sqlite3.Connection) -> None:
            self._owned(conn, run_id, owner)
            conn.execute(
                "UPDATE import_runs SET lease_expires_at = ? WHERE id = ?", (until, run_id)
            )

        await self._call(work)

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        skips = [
            (
                run_id,
                checkpoint.page_no,
                idx,
                entry.qbo_id,
                entry.name,
                entry.reason.value,
                entry.existing_name,
            )
            for idx, entry in enumerate(checkpoint.skipped)
        ]

        def work(conn: sqlite3.Connection) -> None:
            self._owned(conn, run_id, owner)
            # A page saved again after a crash replaces its earlier skips, never adds to them.
            conn.execute(
                "DELETE FROM import_skips WHERE run_id = ? AND page_no = ?",
                (run_id, checkpoint.page_no),
            )
            conn.executemany(
                "INSERT INTO import_skips "
                "(run_id, page_no, idx, qbo_id, name, reason, existing_name) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                skips,
            )
            conn.execute(
                "UPDATE import_runs SET counts = ?, total = coalesce(?, total), pages = ?, "
                "next_position = ? WHERE id = ?",
                (
                    to_json(checkpoint.counts.as_dict()),
                    checkpoint.total,
                    checkpoint.page_no,
                    checkpoint.next_position,
                    run_id,
                ),
            )

        await self._call(work)

    async def finish_run(
        self, run_id: str, owner: str, status: RunStatus, error: str | None = None
    ) -> ImportRun:
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> ImportRun:
            self._owned(conn, run_id, owner)
            # A failed run keeps the lock: the next import of the same company resumes it.
            conn.execute(
                "UPDATE import_runs SET status = ?, finished_at = ?, error = ?, "
                "lock = CASE WHEN ? = 'succeeded' THEN NULL ELSE lock END WHERE id = ?",
                (status.value, now, error, status.value, run_id),
            )
            run = self._select_run(conn, run_id)
            assert run is not None
            return run

        return await self._call(work)

    async def take_company_lease(
        self, realm_id: str, owner: str, lease: timedelta, *, gone_owner: str | None = None
    ) -> str | None:
        now = self._clock()

        def work(conn: sqlite3.Connection) -> str | None:
            # One statement judges it all, by the store's clock: free, ours, gone or run out.
            conn.execute(
                "INSERT INTO company_leases (realm_id, owner, lease_expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (realm_id) DO UPDATE SET owner = excluded.owner, "
                "lease_expires_at = excluded.lease_expires_at "
                "WHERE company_leases.owner IN (excluded.owner, ?) "
                "OR company_leases.lease_expires_at <= ?",
                (realm_id, owner, iso_time(now + lease), gone_owner, iso_time(now)),
            )
            row = conn.execute(
                "SELECT owner FROM company_leases WHERE realm_id = ?", (realm_id,)
            ).fetchone()
            holder = str(row[0])
            return None if holder == owner else holder

        return await self._call(work)

    async def release_company_lease(self, realm_id: str, owner: str) -> None:
        await self._call(
            lambda conn: conn.execute(
                "DELETE FROM company_leases WHERE realm_id = ? AND owner = ?", (realm_id, owner)
            )
        )

    async def get_run(self, run_id: str) -> ImportRun | None:
        return await self._call(lambda conn: self._select_run(conn, run_id), write=False)

    async def list_runs(
        self, account_id: str, kind: Kind | None = None, limit: int = 10
    ) -> list[ImportRun]:
        def work(conn: sqlite3.Connection) -> list[ImportRun]:
            rows = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM import_runs WHERE account_id = ? "
                "AND (? IS NULL OR kind = ?) ORDER BY started_at DESC, rowid DESC LIMIT ?",
                (account_id, kind and kind.value, kind and kind.value, limit),
            )
            return [self._run(row) for row in rows]

        return await self._call(work, write=False)

    async def skipped_entries(
        self, run_id: str, limit: int = 100, offset: int = 0
    ) -> list[Skipped]:
        def work(conn: sqlite3.Connection) -> list[Skipped]:
            rows = conn.execute(
                "SELECT qbo_id, name, reason, existing_name FROM import_skips WHERE run_id = ? "
                "ORDER BY page_no, idx LIMIT ? OFFSET ?",
                (run_id, limit, offset),
            )
            return [Skipped(row[0], row[1], SkipReason(row[2]), row[3]) for row in rows]

        return await self._call(work, write=False)
