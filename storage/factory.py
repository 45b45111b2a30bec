"""Open the store DATABASE_URL names: the embedded SQLite file or MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from importer.domain.errors import StoreError
from importer.ports.clock import Clock, utcnow
from importer.ports.store import Store
from storage.mongo import MongoStore
from storage.sqlite import SqliteStore, sqlite_path

MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")


def open_store(database_url: str, *, clock: Clock = utcnow) -> Store:
    """Return the store for sqlite:///PATH, mongodb:// or mongodb+srv:// URLs."""
    if database_url.startswith("sqlite:"):
        return SqliteStore(sqlite_path(database_url), clock=clock)
    if database_url.startswith(MONGODB_SCHEMES):
        return MongoStore.from_url(database_url, clock=clock)
    # Name only the scheme: the rest of a URL may hold a password.
    scheme = database_url.partition(":")[0] if ":" in database_url else database_url[:20]
    raise StoreError(
        f"DATABASE_URL must start with sqlite:///, mongodb:// or mongodb+srv://, not {scheme!r}."
    )


@asynccontextmanager
async def store_session(database_url: str, *, clock: Clock = utcnow) -> AsyncIterator[Store]:
    """Open the store, yield it, and close it however the block ends."""
    store = open_store(database_url, clock=clock)
    try:
        yield store
    finally:
        await store.close()
