"""Import jobs in SQLite: R8 by a lock table, one running job per account by a unique index."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from importer.domain.errors import JobInProgress, LeaseLost, StoreError
from importer.domain.jobs import Job, JobStatus
from importer.domain.messages import N_, Text
from storage.jobs import error_data, job_from_doc, job_to_doc
from storage.sqlite.core import SqliteCore
from storage.sqlite.schema import iso_time, parse_time, to_json

JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT,
    lease_expires_at TEXT,
    not_before TEXT,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_one_running_per_account
    ON jobs (account_id) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, created_at);
CREATE INDEX IF NOT EXISTS jobs_newest ON jobs (account_id, created_at);
CREATE TABLE IF NOT EXISTS job_locks (
    lock TEXT PRIMARY KEY,
    job_id TEXT NOT NULL
);
"""

# Columns that queries use; the rest of a job lives in its JSON document.
_COLUMNS = ("status", "owner", "lease_expires_at", "not_before", "created_at")
_SELECT = "SELECT id, doc, status, owner, lease_expires_at, not_before, created_at FROM jobs"


class JobsMixin(SqliteCore):
    """The job queue."""

    async def migrate(self) -> None:
        await super().migrate()

        def work(conn: sqlite3.Connection) -> None:
            for statement in JOBS_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

        await self._call(work)

    @staticmethod
    def _job(row: tuple[Any, ...]) -> Job:
        doc = json.loads(row[1])
        doc.update(zip(_COLUMNS, row[2:], strict=True))
        return job_from_doc(row[0], doc, parse_time)

    def _select_job(self, conn: sqlite3.Connection, job_id: str) -> Job | None:
        row = conn.execute(f"{_SELECT} WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else self._job(row)

    def _write_job(self, conn: sqlite3.Connection, job: Job) -> None:
        doc = job_to_doc(job, iso_time)
        columns = [doc.pop(name) for name in _COLUMNS]
        conn.execute(
            "INSERT OR REPLACE INTO jobs (id, account_id, status, owner, lease_expires_at, "
            "not_before, created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (job.id, job.account_id, *columns, to_json(doc)),
        )

    def _owned_job(self, conn: sqlite3.Connection, job_id: str, owner: str) -> Job:
        job = self._select_job(conn, job_id)
        if job is None or job.owner != owner or job.status is not JobStatus.RUNNING:
            raise LeaseLost(f"job {job_id} is no longer held by this worker")
        return job

    async def enqueue_job(self, job: Job) -> Job:
        def work(conn: sqlite3.Connection) -> Job:
            locks = job.locks
            marks = ",".join("?" * len(locks))
            held = conn.execute(
                f"SELECT job_id FROM job_locks WHERE lock IN ({marks}) LIMIT 1", locks
            ).fetchone()
            if held is not None:
                running = self._select_job(conn, held[0])
                if running is None:
                    raise StoreError(
                        N_("job lock held by a job that does not exist: {job}"), job=held[0]
                    )
                raise JobInProgress(running)
            self._write_job(conn, job)
            conn.executemany(
                "INSERT INTO job_locks VALUES (?, ?)", [(lock, job.id) for lock in locks]
            )
            return job

        return await self._call(work)

    async def claim_job(self, owner: str, lease_seconds: float) -> Job | None:
        now = self._clock()
        lease = iso_time(now + timedelta(seconds=lease_seconds))

        def work(conn: sqlite3.Connection) -> Job | None:
            stamp = iso_time(now)
            row = conn.execute(
                f"{_SELECT} WHERE status = 'running' AND lease_expires_at <= ? "
                "ORDER BY created_at LIMIT 1",
                (stamp,),
            ).fetchone()
            if row is None:
                row = conn.execute(
                    f"{_SELECT} WHERE status = 'queued' "
                    "AND (not_before IS NULL OR not_before <= ?) "
                    "AND account_id NOT IN (SELECT account_id FROM jobs WHERE status = 'running') "
                    "ORDER BY created_at LIMIT 1",
                    (stamp,),
                ).fetchone()
            if row is None:
                return None
            job = self._job(row)
            doc = job_to_doc(job, iso_time)
            doc["attempts"] = job.attempts + 1
            doc["started_at"] = doc["started_at"] or stamp
            for name in _COLUMNS:
                doc.pop(name)
            conn.execute(
                "UPDATE jobs SET status = 'running', owner = ?, lease_expires_at = ?, doc = ? "
                "WHERE id = ?",
                (owner, lease, to_json(doc), job.id),
            )
            return self._select_job(conn, job.id)

        return await self._call(work)

    async def renew_job(self, job_id: str, owner: str, lease_seconds: float) -> None:
        lease = iso_time(self._clock() + timedelta(seconds=lease_seconds))

        def work(conn: sqlite3.Connection) -> None:
            self._owned_job(conn, job_id, owner)
            conn.execute("UPDATE jobs SET lease_expires_at = ? WHERE id = ?", (lease, job_id))

        await self._call(work)

    async def save_job_progress(self, job_id: str, owner: str, progress: Mapping[str, Any]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            self._owned_job(conn, job_id, owner)
            conn.execute(
                "UPDATE jobs SET doc = json_set(doc, '$.progress', json(?)) WHERE id = ?",
                (to_json(dict(progress)), job_id),
            )

        await self._call(work)

    async def save_job_reply(self, job_id: str, owner: str, reply_to: Mapping[str, Any]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            self._owned_job(conn, job_id, owner)
            conn.execute(
                "UPDATE jobs SET doc = json_set(doc, '$.reply_to', json(?)) WHERE id = ?",
                (to_json(dict(reply_to)), job_id),
            )

        await self._call(work)

    async def requeue_job(
        self, job_id: str, owner: str, not_before: datetime, error: Text | None
    ) -> Job:
        def work(conn: sqlite3.Connection) -> Job:
            self._owned_job(conn, job_id, owner)
            conn.execute(
                "UPDATE jobs SET status = 'queued', owner = NULL, lease_expires_at = NULL, "
                "not_before = ?, doc = json_set(doc, '$.error', json(?)) WHERE id = ?",
                (iso_time(not_before), to_json(error_data(error)), job_id),
            )
            job = self._select_job(conn, job_id)
            assert job is not None
            return job

        return await self._call(work)

    async def finish_job(
        self,
        job_id: str,
        owner: str,
        status: JobStatus,
        *,
        error: Text | None = None,
        outcome: Mapping[str, Any] | None = None,
    ) -> Job:
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> Job:
            self._owned_job(conn, job_id, owner)
            conn.execute(
                "UPDATE jobs SET status = ?, lease_expires_at = NULL, "
                "doc = json_set(doc, '$.finished_at', ?, '$.error', json(?), '$.outcome', json(?)) "
                "WHERE id = ?",
                (
                    status.value,
                    now,
                    to_json(error_data(error)),
                    to_json(None if outcome is None else dict(outcome)),
                    job_id,
                ),
            )
            conn.execute("DELETE FROM job_locks WHERE job_id = ?", (job_id,))
            job = self._select_job(conn, job_id)
            assert job is not None
            return job

        return await self._call(work)

    async def running_jobs(self) -> list[Job]:
        def work(conn: sqlite3.Connection) -> list[Job]:
            rows = conn.execute(f"{_SELECT} WHERE status = 'running' ORDER BY created_at")
            return [self._job(row) for row in rows]

        return await self._call(work, write=False)

    async def release_job(self, job_id: str, owner: str) -> bool:
        now = iso_time(self._clock())

        def work(conn: sqlite3.Connection) -> bool:
            return bool(
                conn.execute(
                    "UPDATE jobs SET lease_expires_at = ? "
                    "WHERE id = ? AND owner = ? AND status = 'running'",
                    (now, job_id, owner),
                ).rowcount
            )

        return await self._call(work)

    async def get_job(self, job_id: str) -> Job | None:
        return await self._call(lambda conn: self._select_job(conn, job_id), write=False)

    async def list_jobs(self, account_id: str | None = None, limit: int = 20) -> list[Job]:
        def work(conn: sqlite3.Connection) -> list[Job]:
            rows = conn.execute(
                f"{_SELECT} WHERE (? IS NULL OR account_id = ?) "
                "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (account_id, account_id, limit),
            )
            return [self._job(row) for row in rows]

        return await self._call(work, write=False)
