"""The embedded store: one SQLite file, the same constraints as MongoDB, enforced by SQLite.

Every public method is one round trip: one hop to the store's own thread, where the work runs as
one transaction. WAL mode and a busy timeout let a web and a worker process share the file.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from importer.rules import Counts, ExistingRecord, Kind, Known, Skipped, SkipReason, name_key
from storage.base import (
    Account,
    AccountExists,
    Checkpoint,
    Clock,
    ConnectionStatus,
    ImportRun,
    LeaseLost,
    NameTaken,
    NewRecord,
    QboConnection,
    Record,
    RunInProgress,
    RunStatus,
    StoreError,
    TokenSet,
    utcnow,
)

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    qbo_realm TEXT,
    qbo_id TEXT,
    run_id TEXT,
    created_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    UNIQUE (account_id, name_key)
);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    qbo_realm TEXT,
    qbo_id TEXT,
    run_id TEXT,
    created_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    UNIQUE (account_id, name_key)
);
CREATE TABLE IF NOT EXISTS deleted_names (
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    qbo_realm TEXT,
    qbo_id TEXT,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, name_key)
);
CREATE INDEX IF NOT EXISTS deleted_names_qbo
    ON deleted_names (account_id, kind, qbo_realm, qbo_id);
CREATE TABLE IF NOT EXISTS import_runs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    realm_id TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    lease_expires_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    counts TEXT NOT NULL,
    total INTEGER,
    pages INTEGER NOT NULL DEFAULT 0,
    next_position TEXT,
    error TEXT,
    lock TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS import_runs_account ON import_runs (account_id, started_at);
CREATE TABLE IF NOT EXISTS import_skips (
    run_id TEXT NOT NULL,
    page_no INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    qbo_id TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (run_id, page_no, idx)
);
CREATE TABLE IF NOT EXISTS qbo_connections (
    account_id TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL,
    token_version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_states (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""

_RECORD_COLUMNS = "id, account_id, name, name_key, qbo_realm, qbo_id, run_id, created_at, fields"


def sqlite_path(database_url: str) -> Path:
    """Return the file path of a sqlite:///PATH URL (relative, or absolute with four slashes)."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise StoreError(f"not a SQLite URL: {database_url!r} (expected sqlite:///PATH)")
    path = database_url[len(prefix) :]
    if not path:
        raise StoreError("DATABASE_URL sqlite:/// needs a file path, e.g. sqlite:///data/app.db")
    return Path(path)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime) -> str:
    # One fixed width in UTC, so text order is time order (list_runs sorts on it).
    return _utc(value).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else _utc(datetime.fromisoformat(value))


def _table(kind: Kind) -> str:
    return "clients" if kind is Kind.CLIENTS else "items"


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)


def _record_id() -> str:
    """Return a new record id that sorts by creation time, so inserts append to the id index."""
    return f"{time.time_ns() // 1000:014x}{secrets.token_hex(9)}"


class SqliteStore:
    """The Store on one SQLite file."""

    def __init__(self, path: Path | str, *, clock: Clock = utcnow) -> None:
        self.path = Path(path)
        self.round_trips = 0
        self._clock: Clock = lambda: _utc(clock())
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._conn: sqlite3.Connection | None = None

    # plumbing

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
            for statement in _SCHEMA.split(";"):
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

    # accounts

    @staticmethod
    def _account(row: sqlite3.Row | tuple[Any, ...]) -> Account:
        return Account(row[0], row[1], row[2], row[3], _utc(datetime.fromisoformat(row[4])))

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
                        _iso(account.created_at),
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

    # clients and items

    async def lookup(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        keys: Sequence[str],
        qbo_ids: Sequence[str],
    ) -> Known:
        table = _table(kind)
        asked_keys, asked_ids = set(keys), set(qbo_ids)

        def work(conn: sqlite3.Connection) -> Known:
            existing = {
                row[0]: ExistingRecord(row[1], row[2], row[3])
                for row in conn.execute(
                    f"SELECT name_key, qbo_realm, qbo_id, run_id FROM {table} "
                    "WHERE account_id = ? AND name_key IN (SELECT value FROM json_each(?))",
                    (account_id, _json(list(keys))),
                )
            }
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
                    _json(list(keys)),
                    account_id,
                    kind.value,
                    realm_id,
                    _json(list(qbo_ids)),
                ),
            ):
                if key in asked_keys:
                    deleted_keys.add(key)
                if realm == realm_id and qbo_id in asked_ids:
                    deleted_ids.add(qbo_id)
            return Known(existing, frozenset(deleted_keys), frozenset(deleted_ids))

        return await self._call(work, write=False)

    def _record_row(
        self, account_id: str, record: NewRecord, created_at: str | None = None
    ) -> tuple[Any, ...]:
        return (
            _record_id(),
            account_id,
            record.name,
            record.name_key,
            record.qbo_realm,
            record.qbo_id,
            record.run_id,
            created_at or _iso(self._clock()),
            _json(dict(record.fields)),
        )

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        if not records:
            return set()
        table = _table(kind)
        now = _iso(self._clock())
        rows = [self._record_row(account_id, record, now) for record in records]

        def work(conn: sqlite3.Connection) -> set[str]:
            before = conn.total_changes
            conn.executemany(
                f"INSERT INTO {table} ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_id, name_key) DO NOTHING",
                rows,
            )
            if conn.total_changes - before == len(rows):
                return set()
            # Some were refused: the ones whose key now belongs to another id.
            placed = {
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
                    (_json([row[0] for row in rows]),),
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
            created_at=_utc(datetime.fromisoformat(row[7])),
            fields=json.loads(row[8]),
        )

    async def add_record(self, account_id: str, kind: Kind, record: NewRecord) -> Record:
        row = self._record_row(account_id, record)
        table = _table(kind)

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    f"INSERT INTO {table} ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        table = _table(kind)
        needle = name_key(search or "")

        def work(conn: sqlite3.Connection) -> list[Record]:
            rows = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM {table} WHERE account_id = ? "
                "AND instr(name_key, ?) > 0 ORDER BY name_key LIMIT ? OFFSET ?",
                (account_id, needle, limit, offset),
            )
            return [self._record(kind, row) for row in rows]

        return await self._call(work, write=False)

    async def count_records(self, account_id: str, kind: Kind) -> int:
        table = _table(kind)

        def work(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                f"SELECT count(*) FROM {table} WHERE account_id = ?", (account_id,)
            ).fetchone()
            return int(row[0])

        return await self._call(work, write=False)

    async def find_record(self, account_id: str, kind: Kind, key: str) -> Record | None:
        table = _table(kind)

        def work(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM {table} WHERE account_id = ? AND name_key = ?",
                (account_id, key),
            ).fetchone()
            return None if row is None else self._record(kind, row)

        return await self._call(work, write=False)

    async def delete_record(self, account_id: str, kind: Kind, record_id: str) -> Record | None:
        table = _table(kind)
        now = _iso(self._clock())

        def work(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM {table} WHERE account_id = ? AND id = ?",
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

    # import runs

    _RUN_COLUMNS = (
        "id, account_id, kind, realm_id, status, owner, lease_expires_at, started_at, "
        "finished_at, counts, total, pages, next_position, error"
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
            lease_expires_at=_utc(datetime.fromisoformat(row[6])),
            started_at=_utc(datetime.fromisoformat(row[7])),
            finished_at=_dt(row[8]),
            counts=Counts.from_dict(json.loads(row[9])),
            total=row[10],
            pages=row[11],
            next_position=row[12],
            error=row[13],
        )

    def _select_run(self, conn: sqlite3.Connection, run_id: str) -> ImportRun | None:
        row = conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM import_runs WHERE id = ?", (run_id,)
        ).fetchone()
        return None if row is None else self._run(row)

    async def begin_run(
        self, account_id: str, kind: Kind, realm_id: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        run = ImportRun(
            id=uuid.uuid4().hex,
            account_id=account_id,
            kind=kind,
            realm_id=realm_id,
            status=RunStatus.RUNNING,
            owner=owner,
            lease_expires_at=_utc(lease_until),
            started_at=self._clock(),
        )
        lock = f"{account_id}:{kind.value}"

        def work(conn: sqlite3.Connection) -> ImportRun:
            row = conn.execute(
                f"SELECT {self._RUN_COLUMNS} FROM import_runs WHERE lock = ?", (lock,)
            ).fetchone()
            if row is not None:
                raise RunInProgress(self._run(row))
            conn.execute(
                f"INSERT INTO import_runs ({self._RUN_COLUMNS}, lock) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, 0, NULL, NULL, ?)",
                (
                    run.id,
                    account_id,
                    kind.value,
                    realm_id,
                    run.status.value,
                    owner,
                    _iso(lease_until),
                    _iso(run.started_at),
                    _json(run.counts.as_dict()),
                    lock,
                ),
            )
            return run

        return await self._call(work)

    async def take_over_run(
        self, run_id: str, old_owner: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        def work(conn: sqlite3.Connection) -> ImportRun:
            changed = conn.execute(
                "UPDATE import_runs SET owner = ?, lease_expires_at = ? "
                "WHERE id = ? AND owner = ? AND status = 'running'",
                (owner, _iso(lease_until), run_id, old_owner),
            ).rowcount
            run = self._select_run(conn, run_id)
            if run is None:
                raise StoreError(f"no import run {run_id}")
            if not changed:
                raise RunInProgress(run)
            return run

        return await self._call(work)

    def _owned(self, conn: sqlite3.Connection, run_id: str, owner: str) -> None:
        row = conn.execute(
            "SELECT owner, status FROM import_runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None or row[0] != owner or row[1] != RunStatus.RUNNING.value:
            raise LeaseLost(f"import run {run_id} is no longer owned by this worker")

    async def renew_lease(self, run_id: str, owner: str, lease_until: datetime) -> None:
        def work(conn: sqlite3.Connection) -> None:
            self._owned(conn, run_id, owner)
            conn.execute(
                "UPDATE import_runs SET lease_expires_at = ? WHERE id = ?",
                (_iso(lease_until), run_id),
            )

        await self._call(work)

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        skips = [
            (run_id, checkpoint.page_no, idx, entry.qbo_id, entry.name, entry.reason.value)
            for idx, entry in enumerate(checkpoint.skipped)
        ]

        def work(conn: sqlite3.Connection) -> None:
            self._owned(conn, run_id, owner)
            # A page saved again after a crash replaces its earlier skips, never adds to them.
            conn.execute(
                "DELETE FROM import_skips WHERE run_id = ? AND page_no = ?",
                (run_id, checkpoint.page_no),
            )
            conn.executemany("INSERT INTO import_skips VALUES (?, ?, ?, ?, ?, ?)", skips)
            conn.execute(
                "UPDATE import_runs SET counts = ?, total = coalesce(?, total), pages = ?, "
                "next_position = ? WHERE id = ?",
                (
                    _json(checkpoint.counts.as_dict()),
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
        now = _iso(self._clock())

        def work(conn: sqlite3.Connection) -> ImportRun:
            self._owned(conn, run_id, owner)
            conn.execute(
                "UPDATE import_runs SET status = ?, finished_at = ?, error = ?, lock = NULL "
                "WHERE id = ?",
                (status.value, now, error, run_id),
            )
            run = self._select_run(conn, run_id)
            assert run is not None
            return run

        return await self._call(work)

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
                "SELECT qbo_id, name, reason FROM import_skips WHERE run_id = ? "
                "ORDER BY page_no, idx LIMIT ? OFFSET ?",
                (run_id, limit, offset),
            )
            return [Skipped(row[0], row[1], SkipReason(row[2])) for row in rows]

        return await self._call(work, write=False)

    # QBO connections

    @staticmethod
    def _connection_doc(connection: QboConnection) -> str:
        tokens = connection.tokens
        return _json(
            {
                "environment": connection.environment,
                "status": connection.status.value,
                "status_reason": connection.status_reason,
                "company_name": connection.company_name,
                "country": connection.country,
                "home_currency": connection.home_currency,
                "multicurrency": connection.multicurrency,
                "income_account_id": connection.income_account_id,
                "connected_at": connection.connected_at and _iso(connection.connected_at),
                "tokens": _tokens_doc(tokens),
            }
        )

    async def save_connection(self, connection: QboConnection) -> QboConnection:
        saved = replace(connection, token_version=0, connected_at=self._clock())

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR REPLACE INTO qbo_connections VALUES (?, ?, 0, ?)",
                (saved.account_id, saved.realm_id, self._connection_doc(saved)),
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
            doc = json.loads(row[2])
            return QboConnection(
                account_id=account_id,
                realm_id=row[0],
                environment=doc["environment"],
                tokens=_tokens_from_doc(doc["tokens"]),
                token_version=row[1],
                status=ConnectionStatus(doc["status"]),
                status_reason=doc.get("status_reason"),
                company_name=doc.get("company_name"),
                country=doc.get("country"),
                home_currency=doc.get("home_currency"),
                multicurrency=doc.get("multicurrency"),
                income_account_id=doc.get("income_account_id"),
                connected_at=_dt(doc.get("connected_at")),
            )

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
            "UPDATE qbo_connections SET doc = ? WHERE account_id = ?", (_json(doc), account_id)
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
                conn, account_id, {"tokens": _tokens_doc(tokens)}
            )

        return await self._call(work)

    async def set_connection_status(
        self, account_id: str, status: ConnectionStatus, reason: str | None = None
    ) -> None:
        await self.update_connection(account_id, status=status.value, status_reason=reason)

    async def update_connection(self, account_id: str, **changes: Any) -> None:
        allowed = {
            "status",
            "status_reason",
            "company_name",
            "country",
            "home_currency",
            "multicurrency",
            "income_account_id",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} on a connection")
        await self._call(lambda conn: self._patch_connection(conn, account_id, changes))

    # OAuth states

    async def put_oauth_state(
        self, state_id: str, data: Mapping[str, Any], expires_at: datetime
    ) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO oauth_states VALUES (?, ?, ?)",
                (state_id, _json(dict(data)), _iso(expires_at)),
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


def _tokens_doc(tokens: TokenSet) -> dict[str, Any]:
    return {
        "refresh_token": tokens.refresh_token,
        "access_token": tokens.access_token,
        "access_token_expires_at": tokens.access_token_expires_at
        and _iso(tokens.access_token_expires_at),
        "refresh_token_expires_at": tokens.refresh_token_expires_at
        and _iso(tokens.refresh_token_expires_at),
    }


def _tokens_from_doc(doc: Mapping[str, Any]) -> TokenSet:
    return TokenSet(
        refresh_token=doc["refresh_token"],
        access_token=doc.get("access_token"),
        access_token_expires_at=_dt(doc.get("access_token_expires_at")),
        refresh_token_expires_at=_dt(doc.get("refresh_token_expires_at")),
    )
