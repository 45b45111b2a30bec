"""The embedded store: one SQLite file, the same constraints as MongoDB, enforced by SQLite."""

from storage.sqlite.core import holds_saved_tokens
from storage.sqlite.schema import sqlite_path
from storage.sqlite.store import SqliteStore

__all__ = ["SqliteStore", "holds_saved_tokens", "sqlite_path"]
