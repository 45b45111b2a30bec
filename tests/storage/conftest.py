"""The contract suite's fixtures: every Store implementation behind one `store` fixture."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from importer.domain.model import NewRecord
from importer.domain.names import name_key
from importer.ports.store import Store
from storage.mongo import MongoStore
from storage.sqlite import SqliteStore
from tests.mongomock import mongomock_database

# A real MongoDB joins the suite only when one is offered; there is nothing to skip otherwise.
MONGODB_URI = os.environ.get("TEST_MONGODB_URI")
BACKENDS = ["sqlite", "mongomock", *(["mongodb"] if MONGODB_URI else [])]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        # Near real time: MongoDB's TTL index (and mongomock's imitation) reads the real clock.
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def fresh_database_url(uri: str) -> tuple[str, str]:
    """Return the URI pointed at a new database, and that database's name."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(path=f"/{name}")), name


@pytest.fixture(params=BACKENDS)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock
) -> AsyncIterator[Store]:
    backend: Store
    if request.param == "sqlite":
        backend = SqliteStore(tmp_path / "store.db", clock=clock)
    elif request.param == "mongomock":
        backend = MongoStore(mongomock_database(clock=clock), clock=clock)
    else:
        assert MONGODB_URI is not None
        url, name = fresh_database_url(MONGODB_URI)
        backend = MongoStore.from_url(url, clock=clock)
    await backend.migrate()
    try:
        yield backend
    finally:
        if request.param == "mongodb":
            assert isinstance(backend, MongoStore)
            await backend.database.client.drop_database(name)
        await backend.close()


def new(
    name: str, qbo_id: str | None = None, realm: str | None = "realm-1", **fields: str
) -> NewRecord:
    """Return a record about to be written, as the importer or a person would make it."""
    return NewRecord(
        name=name,
        name_key=name_key(name),
        fields=fields,
        qbo_realm=realm if qbo_id else None,
        qbo_id=qbo_id,
    )
