"""The embedded store's tables, and how values are written into them and read back."""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from importer.domain.errors import ConfigurationError
from importer.domain.messages import N_
from importer.domain.model import Kind
from importer.domain.names import NAME_KEY_VERSION
from storage.rekey import StoredKey, log_clashes, plan_rekeying

SCHEMA = """
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
CREATE INDEX IF NOT EXISTS clients_qbo ON clients (account_id, qbo_realm, qbo_id);
CREATE INDEX IF NOT EXISTS items_qbo ON items (account_id, qbo_realm, qbo_id);
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
    lock TEXT UNIQUE,
    read TEXT NOT NULL DEFAULT 'full'
);
CREATE INDEX IF NOT EXISTS import_runs_account ON import_runs (account_id, started_at);
CREATE TABLE IF NOT EXISTS import_skips (
    run_id TEXT NOT NULL,
    page_no INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    qbo_id TEXT NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    existing_name TEXT,
    PRIMARY KEY (run_id, page_no, idx)
);
CREATE TABLE IF NOT EXISTS company_leases (
    realm_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_expires_at TEXT NOT NULL
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
CREATE INDEX IF NOT EXISTS oauth_states_expiry ON oauth_states (expires_at);
CREATE TABLE IF NOT EXISTS store_meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

# Columns added after a table was first made: (table, column, definition). CREATE TABLE IF NOT
# EXISTS leaves an older table as it is, so migrate() adds each one that is missing.
ADDED_COLUMNS = [
    ("import_skips", "existing_name", "TEXT"),
    ("import_runs", "read", "TEXT NOT NULL DEFAULT 'full'"),
]


def add_missing_columns(conn: sqlite3.Connection) -> None:
    """Add the columns a database made by an older version lacks (SQLite has no IF NOT EXISTS
    for columns)."""
    for table, column, definition in ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


# The tables holding name keys: (table, what a row is, the columns a key is unique within).
_KEYED_TABLES = [
    ("accounts", "accounts", ()),
    ("clients", "clients", ("account_id",)),
    ("items", "items", ("account_id",)),
    ("deleted_names", "deleted names", ("account_id", "kind")),
]


def name_keys_version(conn: sqlite3.Connection) -> int:
    """Return the version of name_key the stored keys were made with (0: never noted)."""
    row = conn.execute("SELECT value FROM store_meta WHERE name = 'name_key_version'").fetchone()
    return 0 if row is None else int(row[0])


def rekey_names(conn: sqlite3.Connection) -> None:
    """Make every stored name key again when name_key changed since they were made."""
    if name_keys_version(conn) >= NAME_KEY_VERSION:
        return
    for table, what, scope in _KEYED_TABLES:
        scope_sql = ", ".join(scope) if scope else "''"
        rows = conn.execute(
            f"SELECT rowid, name, name_key, {scope_sql} FROM {table} ORDER BY rowid"
        ).fetchall()
        moves, clashes = plan_rekeying(
            StoredKey(row[0], tuple(row[3:]), row[1], row[2]) for row in rows
        )
        # First out of the way (no key holds a control character), then in place: a key may
        # move to one another row held before.
        conn.executemany(
            f"UPDATE {table} SET name_key = ? WHERE rowid = ?",
            [(f"\x1b{rowid}", rowid) for rowid in moves],
        )
        conn.executemany(
            f"UPDATE {table} SET name_key = ? WHERE rowid = ?",
            [(key, rowid) for rowid, key in moves.items()],
        )
        log_clashes(what, clashes)
    conn.execute(
        "INSERT INTO store_meta VALUES ('name_key_version', ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (NAME_KEY_VERSION,),
    )


RECORD_COLUMNS = "id, account_id, name, name_key, qbo_realm, qbo_id, run_id, created_at, fields"


def sqlite_path(database_url: str) -> Path:
    """Return the file path of a sqlite:///PATH URL (relative, or absolute with four slashes)."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise ConfigurationError(
            N_("DATABASE_URL {url!r} is not a SQLite URL (expected sqlite:///PATH)"),
            url=database_url.partition("?")[0],
        )
    path = database_url[len(prefix) :]
    if not path:
        raise ConfigurationError(
            N_("DATABASE_URL sqlite:/// needs a file path, e.g. sqlite:///data/app.db")
        )
    return Path(path)


def utc(value: datetime) -> datetime:
    """Return value as aware UTC (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_time(value: datetime) -> str:
    """Return the stored text of a time."""
    # One fixed width in UTC, so text order is time order (list_runs sorts on it).
    return utc(value).isoformat(timespec="microseconds")


def parse_time(value: str | None) -> datetime | None:
    """Return the time stored as text, or None."""
    return None if value is None else utc(datetime.fromisoformat(value))


def table_of(kind: Kind) -> str:
    """Return the table holding this kind of record."""
    return "clients" if kind is Kind.CLIENTS else "items"


_JSON = msgspec.json.Encoder(enc_hook=str)


def to_json(value: Any) -> str:
    """Return value as compact JSON text; Decimals become decimal strings."""
    return _JSON.encode(value).decode()


class RecordIds:
    """Make record ids that sort by creation time, so inserts append to the id index.

    Time in microseconds, a random tag per store (two processes never share one) and a counter:
    unique without asking the OS for randomness 100,000 times an import.
    """

    def __init__(self) -> None:
        self._tag = secrets.token_hex(5)
        self._count = itertools.count()

    def new(self) -> str:
        """Return a new id (32 hex digits, like a UUID)."""
        return self.many(1)[0]

    def many(self, n: int) -> list[str]:
        """Return n new ids, in order: one clock reading for them all."""
        prefix = f"{time.time_ns() // 1000:014x}{self._tag}"
        return [f"{prefix}{next(self._count) % 0x10000000:08x}" for _ in range(n)]
