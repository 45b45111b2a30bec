"""DATABASE_URL picks the store."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, cast

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ServerSelectionTimeoutError

from importer.domain.errors import ConfigurationError, StoreError
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.model import Kind
from importer.ports.clock import utcnow
from storage.factory import open_store, store_session
from storage.mongo import MongoStore
from storage.sqlite import SqliteStore


async def test_sqlite_url_opens_the_embedded_store(tmp_path: Path) -> None:
    async with store_session(f"sqlite:///{tmp_path}/app.db") as store:
        assert isinstance(store, SqliteStore)
        await store.migrate()
        await store.create_account("Acme", "premium")
        assert [a.name for a in await store.list_accounts()] == ["Acme"]
    assert (tmp_path / "app.db").exists()


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("mongodb://localhost:27017/books", "books"),
        ("mongodb://user:secret@h1:27017,h2:27017/?replicaSet=rs0", "invoice2go"),
        ("mongodb+srv://cluster0.example.net/acme?retryWrites=true", "acme"),
    ],
)
async def test_mongodb_url_opens_mongo_store_on_the_named_database(url: str, database: str) -> None:
    async with store_session(url) as store:
        assert isinstance(store, MongoStore)
        assert store.database.name == database


@pytest.mark.parametrize("url", ["postgres://u:hunter2@db/app", "app.db", ""])
def test_other_urls_are_refused_in_one_sentence_without_secrets(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        open_store(url)

    message = str(refused.value)
    assert "sqlite:///" in message
    assert "mongodb://" in message
    assert "hunter2" not in message
    assert message.count(". ") == 0


@pytest.mark.parametrize("url", ["mongodb://", "mongodb://db:99999999/app"])
def test_malformed_mongodb_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="not a usable MongoDB URL"):
        open_store(url)


def test_an_option_mongodb_does_not_know_is_named_in_the_one_error_without_warnings() -> None:
    url = "mongodb://u:hunter2@db/app?retryWrites=true&foo=hunter3&serverSelectionTimeoutMs=9"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the error is the one thing said, no driver warning
        with pytest.raises(ConfigurationError) as refused:
            open_store(url)

    message = str(refused.value)
    assert message.endswith("does not know: foo")
    assert "hunter" not in message


class _Unreachable:
    """A database whose every call fails as PyMongo does when no server answers."""

    def __getitem__(self, name: str) -> _Unreachable:
        return self

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> None:
            raise ServerSelectionTimeoutError("127.0.0.1:9: [Errno 111] Connection refused")

        return fail


async def test_an_unreachable_mongodb_raises_store_errors_never_driver_errors() -> None:
    store = MongoStore(cast("AsyncDatabase[dict[str, Any]]", _Unreachable()))

    with pytest.raises(StoreError, match=r"cannot reach the database: 127\.0\.0\.1:9"):
        await store.list_accounts()
    with pytest.raises(StoreError, match="cannot reach the database"):
        await store.get_connection("nobody")
    with pytest.raises(StoreError, match="cannot reach the database"):
        await store.enqueue_job(
            Job("j", "a", (Kind.CLIENTS,), JobOrigin.COMMAND, JobStatus.QUEUED, utcnow())
        )


@pytest.mark.parametrize(
    ("url", "seconds"),
    [
        ("mongodb://127.0.0.1:9/app", 30.0),
        ("mongodb://127.0.0.1:9/app?timeoutMS=5000", 5.0),
        ("mongodb://127.0.0.1:9/app?retryWrites=true&TIMEOUTMS=1500", 1.5),
        ("mongodb://127.0.0.1:9/app?serverSelectionTimeoutMS=200", None),
        ("mongodb://127.0.0.1:9/app?socketTimeoutMS=2000", None),
        # Timeouts of one step only: operations still end within 30 s.
        ("mongodb://127.0.0.1:9/app?connectTimeoutMS=5000", 30.0),
        ("mongodb://127.0.0.1:9/app?wTimeoutMS=5000", 30.0),
        ("mongodb://127.0.0.1:9/app?waitQueueTimeoutMS=5000", 30.0),
    ],
)
async def test_mongodb_operations_time_out_unless_the_url_says_otherwise(
    url: str, seconds: float | None
) -> None:
    async with store_session(url) as store:
        assert isinstance(store, MongoStore)
        assert store.database.client.options.timeout == seconds
