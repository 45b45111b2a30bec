"""mongomock-motor shaped like PyMongo's async API, so the MongoDB store is typed against PyMongo
only. mongomock-motor follows Motor: its aggregate() returns the cursor without being awaited,
and its datetimes are naive unless the client is made tz_aware."""

from __future__ import annotations

import uuid
from typing import Any, cast

from mongomock_motor import AsyncMongoMockClient
from pymongo.asynchronous.database import AsyncDatabase


class _Collection:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def aggregate(self, pipeline: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        # PyMongo's async aggregate is a coroutine that returns the cursor.
        return self._inner.aggregate(pipeline, *args, **kwargs)


class _Database:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __getitem__(self, name: str) -> _Collection:
        return _Collection(self._inner[name])


def mongomock_database(name: str | None = None) -> AsyncDatabase[dict[str, Any]]:
    """Return a fresh in-memory database that the MongoDB store can use as a PyMongo one."""
    client: Any = AsyncMongoMockClient(tz_aware=True)
    database = client[name or f"test_{uuid.uuid4().hex}"]
    return cast("AsyncDatabase[dict[str, Any]]", _Database(database))
