"""mongomock-motor shaped like PyMongo's async API, so the MongoDB store is typed against PyMongo
only. mongomock-motor follows Motor: its aggregate() returns the cursor without being awaited,
and its datetimes are naive unless the client is made tz_aware.

mongomock's create_indexes forgets partial filters: they are created one by one here. Its unique
indexes compare arrays whole and skip partial filters for documents without the field, where
MongoDB indexes each element of an array (a multikey index) and leaves out what the filter
excludes: _ensure_uniques does as MongoDB does. It knows
neither the server's clock `$$NOW` nor `$add` on a date: the filters and
updates are given the test's clock for `$$NOW`, and `{"$add": [date, milliseconds]}` is worked
out before mongomock sees it. Production code sends both to the server as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from mongomock import DuplicateKeyError, helpers
from mongomock.collection import Collection
from mongomock.filtering import filter_applies as _filter_applies
from mongomock_motor import AsyncMongoMockClient
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from importer.ports.clock import Clock, utcnow

# The methods whose arguments may name $$NOW.
_WITH_QUERIES = frozenset(
    {
        "find",
        "find_one",
        "find_one_and_update",
        "find_one_and_delete",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "count_documents",
    }
)


def _at(now: datetime, value: Any) -> Any:
    """Return value with $$NOW as now, and $add of a date and milliseconds worked out."""
    if value == "$$NOW":
        return now
    if isinstance(value, list):
        return [_at(now, item) for item in value]
    if not isinstance(value, dict):
        return value
    done = {key: _at(now, item) for key, item in value.items()}
    terms = done.get("$add")
    if len(done) == 1 and isinstance(terms, list):
        dates = [t for t in terms if isinstance(t, datetime)]
        numbers = [t for t in terms if isinstance(t, int | float)]
        if len(dates) == 1 and len(dates) + len(numbers) == len(terms):
            return {"$literal": dates[0] + timedelta(milliseconds=sum(numbers))}
    return done


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
    def __init__(self, inner: Any, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name not in _WITH_QUERIES:
            return attribute
        method = cast("Callable[..., Any]", attribute)

        def with_now(*args: Any, **kwargs: Any) -> Any:
            now = self._clock()
            return method(*_at(now, list(args)), **_at(now, kwargs))

        return with_now

    async def create_indexes(self, indexes: list[IndexModel], *args: Any, **kwargs: Any) -> Any:
        # mongomock's create_indexes drops partialFilterExpression (R8's lock index is partial):
        # create them one by one, with every option.
        names = []
        for model in indexes:
            options = dict(model.document)
            keys = list(options.pop("key").items())
            names.append(await self._inner.create_index(keys, **options))
        return names

    async def aggregate(self, pipeline: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        # PyMongo's async aggregate is a coroutine that returns the cursor.
        return self._inner.aggregate(_at(self._clock(), pipeline), *args, **kwargs)


class _Database:
    def __init__(self, inner: Any, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __getitem__(self, name: str) -> _Collection:
        return _Collection(self._inner[name], self._clock)


def mongomock_database(
    name: str | None = None, *, clock: Clock = utcnow
) -> AsyncDatabase[dict[str, Any]]:
    """Return a fresh in-memory database that the MongoDB store can use as a PyMongo one, its
    server's clock ($$NOW) being `clock`."""
    client: Any = AsyncMongoMockClient(tz_aware=True)
    database = client[name or f"test_{uuid.uuid4().hex}"]
    return cast("AsyncDatabase[dict[str, Any]]", _Database(database, clock))
