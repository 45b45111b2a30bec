"""The MongoDB store's plumbing: the database, the clock, round trips and indexes."""

from __future__ import annotations

import contextlib
import functools
import inspect
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError as MongoConfigurationError
from pymongo.errors import ConnectionFailure, PyMongoError
from pymongo.uri_parser import validate_options

from importer.domain.errors import ConfigurationError, StoreError
from importer.domain.messages import N_
from importer.domain.model import Kind
from importer.ports.clock import Clock, utcnow
from storage.mongo.documents import Doc, utc

DEFAULT_DATABASE = "invoice2go"
# Every operation (server selection, connection, the command and its retries) ends within this,
# unless the URL sets timeouts of its own (PyMongo's timeoutMS overrides serverSelectionTimeoutMS
# and socketTimeoutMS): a database that stops answering fails a call, never hangs it.
DEFAULT_TIMEOUT_MS = 30_000

T = TypeVar("T")

_INDEXES: dict[str, list[IndexModel]] = {
    "accounts": [IndexModel([("name_key", ASCENDING)], name="name_key", unique=True)],
    "clients": [
        IndexModel([("account_id", ASCENDING), ("name_key", ASCENDING)], name="name", unique=True),
        # R9: the import's look-up finds records by the QBO Id they were imported from.
        IndexModel(
            [("account_id", ASCENDING), ("qbo_realm", ASCENDING), ("qbo_id", ASCENDING)],
            name="qbo_id",
        ),
    ],
    "items": [
        IndexModel([("account_id", ASCENDING), ("name_key", ASCENDING)], name="name", unique=True),
        IndexModel(
            [("account_id", ASCENDING), ("qbo_realm", ASCENDING), ("qbo_id", ASCENDING)],
            name="qbo_id",
        ),
    ],
    "deleted_names": [
        IndexModel(
            [("account_id", ASCENDING), ("kind", ASCENDING), ("name_key", ASCENDING)],
            name="name",
            unique=True,
        ),
        IndexModel(
            [
                ("account_id", ASCENDING),
                ("kind", ASCENDING),
                ("qbo_realm", ASCENDING),
                ("qbo_id", ASCENDING),
            ],
            name="qbo_id",
        ),
    ],
    "import_runs": [
        # R8: only a running import holds "account:kind" in lock; finishing unsets it.
        IndexModel(
            [("lock", ASCENDING)],
            name="one_running",
            unique=True,
            partialFilterExpression={"lock": {"$type": "string"}},
        ),
        IndexModel(
            [("account_id", ASCENDING), ("kind", ASCENDING), ("started_at", DESCENDING)],
            name="newest",
        ),
        IndexModel([("account_id", ASCENDING), ("started_at", DESCENDING)], name="account_newest"),
    ],
    "import_skips": [IndexModel([("run_id", ASCENDING), ("page_no", ASCENDING)], name="pages")],
    "oauth_states": [IndexModel([("expires_at", ASCENDING)], name="ttl", expireAfterSeconds=0)],
}


class MongoCore:
    """What every part of the MongoDB store shares."""

    def __init__(self, database: AsyncDatabase[Doc], *, clock: Clock = utcnow) -> None:
        self.database = database
        self.round_trips = 0
        self._clock = clock
        self._client: AsyncMongoClient[Doc] | None = None

    @classmethod
    def from_url(cls, url: str, *, clock: Clock = utcnow) -> Self:
        """Connect to the database named in the URL's path (default invoice2go)."""
        try:
            options: dict[str, Any] = {}
            if not _sets_timeouts(url):
                options["timeoutMS"] = DEFAULT_TIMEOUT_MS
            with warnings.catch_warnings(record=True) as warned:
                # PyMongo warns of an option it does not know, and ignores it: a typo, said in
                # the one line of the error (the async client connects at its first use only).
                warnings.simplefilter("always", UserWarning)
                client: AsyncMongoClient[Doc] = AsyncMongoClient(url, tz_aware=True, **options)
            if any(issubclass(w.category, UserWarning) for w in warned):
                raise ConfigurationError(
                    N_("DATABASE_URL has an option MongoDB does not know: {names}"),
                    names=", ".join(_unknown_options(url)),
                )
            database = client.get_default_database(DEFAULT_DATABASE)
        except (MongoConfigurationError, ValueError) as error:
            raise ConfigurationError(
                N_("DATABASE_URL is not a usable MongoDB URL: {problem}"), problem=str(error)
            ) from error
        store = cls(database, clock=clock)
        store._client = client
        return store

    def _now(self) -> datetime:
        return utc(self._clock())

    def _trip(self) -> None:
        self.round_trips += 1

    def _records(self, kind: Kind) -> AsyncCollection[Doc]:
        return self.database["clients" if kind is Kind.CLIENTS else "items"]

    async def migrate(self) -> None:
        """Create the indexes; safe to run again."""
        try:
            for name, indexes in _INDEXES.items():
                self._trip()
                await self.database[name].create_indexes(indexes)
        except ConnectionFailure as error:
            raise StoreError(
                N_("cannot reach the database: {reason}"), reason=unreachable_reason(error)
            ) from error
        except PyMongoError as error:
            raise StoreError(
                N_("cannot create the MongoDB indexes: {problem}"),
                problem=f"{type(error).__name__}: {str(error)[:200]}",
            ) from error

    async def close(self) -> None:
        """Close the client this store opened, if it opened one."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def _aggregate(self, collection: AsyncCollection[Doc], pipeline: list[Doc]) -> list[Doc]:
        self._trip()
        cursor = await collection.aggregate(pipeline)
        return await cursor.to_list(None)


def _translated(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def translated(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except ConnectionFailure as error:
            raise StoreError(
                N_("cannot reach the database: {reason}"), reason=unreachable_reason(error)
            ) from error
        except PyMongoError as error:
            raise StoreError(
                N_("database error: {problem}"),
                problem=f"{type(error).__name__}: {str(error)[:200]}",
            ) from error

    return translated


def driver_errors_translated(cls: type[T]) -> type[T]:
    """Make every public coroutine method raise StoreError, never a PyMongo error."""
    for name in dir(cls):
        method = getattr(cls, name)
        if not name.startswith("_") and inspect.iscoroutinefunction(method):
            setattr(cls, name, _translated(method))
    return cls


# The URL options that bound a whole operation (or each of its waits): one of these and the URL
# sets its own timeouts. connectTimeoutMS, wTimeoutMS or waitQueueTimeoutMS bound one step only.
_OPERATION_TIMEOUTS = frozenset({"timeoutms", "serverselectiontimeoutms", "sockettimeoutms"})


def _sets_timeouts(url: str) -> bool:
    """Tell whether the URL's options set a timeout: timeoutMS, serverSelectionTimeoutMS or
    socketTimeoutMS (option names ignore case)."""
    query = urlsplit(url).query
    return any(name.lower() in _OPERATION_TIMEOUTS for name, _ in parse_qsl(query))


def _unknown_options(url: str) -> list[str]:
    """Return the names of the URL's options PyMongo does not know (never their values)."""
    unknown = []
    for name, value in parse_qsl(urlsplit(url).query):
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always", UserWarning)
            with contextlib.suppress(MongoConfigurationError, ValueError, TypeError):
                validate_options({name: value}, warn=True)
        if warned:
            unknown.append(name)
    return unknown


def unreachable_reason(error: ConnectionFailure) -> str:
    """Return the first reason of a connection failure, without pymongo's topology dump."""
    return str(error).split(" (configured timeouts")[0].split(", Timeout:")[0]
