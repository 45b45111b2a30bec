"""The embedded store's plumbing: one SQLite file, one thread, one transaction per call.

Every public method is one round trip: one hop to the store's own thread, where the work runs as
one transaction. WAL mode and a busy timeout let a web and a worker process share the file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from storage.base import (
    Clock,
    StoreError,
    utcnow,
)
from storage.sqlite.schema import (
    SCHEMA,
    utc,
)

T = TypeVar("T")


class SqliteCore:
    """What every part of the embedded store shares: the file, its thread, round trips."""

    def __init__(self, path: Path | str, *, clock: Clock = utcnow) -> None:
        self.path = Path(path)
        self.round_trips = 0
        self._clock: Clock = lambda: utc(clock())
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=30
                )
            except sqlite3.OperationalError as error:
                raise StoreError(f"cannot open the database file {self.path}: {error}") from error
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._conn = conn
        return self._conn

    async def _call(self, work: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """Run work in one transaction on the store's thread: one round trip."""
        self.round_trips += 1

        def transaction() -> T:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                result = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, transaction)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"database error on {self.path}: {error}") from error

    async def migrate(self) -> None:
        def work(conn: sqlite3.Connection) -> None:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

        await self._call(work)

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._executor, shut)
        self._executor.shutdown(wait=True)
