"""mongomock-motor shaped like PyMongo's async API, so the MongoDB store is typed against PyMongo
only. mongomock-motor follows Motor: its aggregate() returns the cursor without being awaited,
and its datetimes are naive unless the client is made tz_aware. mongomock's unique indexes
lose their partial filters when made with create_indexes, and compare arrays whole; MongoDB
indexes each element of an array (a multikey index) and leaves out what the filter excludes."""

from __future__ import annotations

import uuid
from typing import Any, cast

from mongomock import DuplicateKeyError, helpers
from mongomock.collection import Collection
from mongomock.filtering import filter_applies as _filter_applies
from mongomock_motor import AsyncMongoMockClient
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

# mongomock is untyped: these two are its document helpers, seen through Any.
_value_at: Any = helpers.get_value_by_dot
filter_applies: Any = _filter_applies


def _index_keys(doc: dict[str, Any], fields: list[str]) -> set[tuple[Any, ...]]:
    """Return the keys a unique index holds for a document: one per element of an array."""
    keys: set[tuple[Any, ...]] = {()}
    for name in fields:
        try:
            value = _value_at(doc, name)
        except KeyError:
            value = None
        values = value if isinstance(value, list) else [value]
        keys = {(*key, repr(v)) for key in keys for v in values}
    return keys


def _ensure_uniques(self: Any, new_data: dict[str, Any]) -> None:
    """Refuse a document whose key an indexed other document holds, as MongoDB does."""
    for index in self._store.indexes.values():
        if not index.get("unique"):
            continue
        fields = [name for name, _ in index["key"]]
        partial = index.get("partialFilterExpression")
        if partial is not None and not filter_applies(partial, new_data):
            continue
        new_keys = _index_keys(new_data, fields)
        for doc in self._store.documents:
            if doc["_id"] == new_data["_id"]:
                continue
            if partial is not None and not filter_applies(partial, doc):
                continue
            if new_keys & _index_keys(doc, fields):
                raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)


Collection._ensure_uniques = _ensure_uniques  # type: ignore[method-assign]  # the fix above


class _Collection:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def create_indexes(self, indexes: list[IndexModel], *args: Any, **kwargs: Any) -> None:
        # mongomock's create_indexes drops partialFilterExpression; create_index keeps it.
        for model in indexes:
            options = dict(model.document)
            keys = list(options.pop("key").items())
            await self._inner.create_index(keys, **options)

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
