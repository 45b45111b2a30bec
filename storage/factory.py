"""Open the store DATABASE_URL names: the embedded SQLite file or MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from importer.domain.errors import ConfigurationError
from importer.domain.messages import N_
from importer.ports.clock import Clock, utcnow
from importer.ports.store import Store
from storage.sqlite import SqliteStore, sqlite_path

MONGODB_SCHEMES = ("mongodb://", "mongodb+srv://")


def check_database_url(database_url: str) -> None:
    """Refuse a DATABASE_URL that names no store this service has (ConfigurationError)."""
    if database_url.startswith(MONGODB_SCHEMES):
        return
    if database_url.startswith("sqlite:"):
        sqlite_path(database_url)
        return
    # Name only the scheme: the rest of a URL may hold a password.
    scheme = database_url.partition(":")[0] if ":" in database_url else database_url[:20]
    raise ConfigurationError(
        N_("DATABASE_URL must start with sqlite:///, mongodb:// or mongodb+srv://, not {scheme!r}"),
        scheme=scheme,
    )


def database_exists(database_url: str) -> bool:
    """Tell whether the database is there already (a MongoDB server is taken to be)."""
    if database_url.startswith(MONGODB_SCHEMES):
        return True
    path = sqlite_path(database_url)
    return str(path) == ":memory:" or path.exists()


def open_store(database_url: str, *, clock: Clock = utcnow) -> Store:
    """Return the store for sqlite:///PATH, mongodb:// or mongodb+srv:// URLs."""
    check_database_url(database_url)
    if database_url.startswith(MONGODB_SCHEMES):
        from storage.mongo import MongoStore  # the driver loads only for MongoDB

        return MongoStore.from_url(database_url, clock=clock)
    return SqliteStore(sqlite_path(database_url), clock=clock)


@asynccontextmanager
async def store_session(database_url: str, *, clock: Clock = utcnow) -> AsyncIterator[Store]:
    """Open the store, yield it, and close it however the block ends."""
    store = open_store(database_url, clock=clock)
    try:
        yield store
    finally:
        await store.close()
