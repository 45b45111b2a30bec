"""The embedded store shared by two processes (a web and a worker) through one file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from importer.domain.errors import (
    AccountExists,
    ConfigurationError,
    NameTaken,
    RunInProgress,
)
from importer.domain.model import Kind
from storage.sqlite import SqliteStore, sqlite_path
from tests.storage.conftest import Clock, new


@pytest.fixture
async def two_stores(
    tmp_path: Path, clock: Clock
) -> AsyncIterator[tuple[SqliteStore, SqliteStore]]:
    web = SqliteStore(tmp_path / "shared.db", clock=clock)
    worker = SqliteStore(tmp_path / "shared.db", clock=clock)
    await web.migrate()
    await worker.migrate()
    yield web, worker
    await web.close()
    await worker.close()


async def test_two_stores_on_one_file_see_each_others_writes(
    two_stores: tuple[SqliteStore, SqliteStore],
) -> None:
    web, worker = two_stores
    account = await web.create_account("Acme", "premium")

    assert await worker.find_account("acme") == account
    await worker.insert_records(account.id, Kind.ITEMS, [new("Widget", "1")])
    assert [r.name for r in await web.list_records(account.id, Kind.ITEMS)] == ["Widget"]


async def test_unique_constraints_hold_across_processes(
    two_stores: tuple[SqliteStore, SqliteStore], clock: Clock
) -> None:
    web, worker = two_stores
    account = await web.create_account("Acme", "premium")
    await web.add_record(account.id, Kind.CLIENTS, new("Ann"))

    assert await worker.insert_records(account.id, Kind.CLIENTS, [new("ANN", "5")]) == {"ann"}
    with pytest.raises(NameTaken):
        await worker.add_record(account.id, Kind.CLIENTS, new("ann"))
    with pytest.raises(AccountExists):
        await worker.create_account("ACME", "starter")
    run = await web.begin_run(account.id, Kind.CLIENTS, "realm-1", "web", clock.now)
    with pytest.raises(RunInProgress) as refused:
        await worker.begin_run(account.id, Kind.CLIENTS, "realm-1", "worker", clock.now)
    assert refused.value.run == run


async def test_data_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    first = SqliteStore(tmp_path / "app.db", clock=clock)
    await first.migrate()
    account = await first.create_account("Acme", "premium")
    await first.close()
    await first.close()

    second = SqliteStore(tmp_path / "app.db", clock=clock)
    await second.migrate()
    assert await second.list_accounts() == [account]
    await second.close()


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/app.db", Path("data/app.db")),
        ("sqlite:////var/app.db", Path("/var/app.db")),
    ],
)
def test_sqlite_url_names_a_relative_or_absolute_file(url: str, path: Path) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://app.db"])
def test_unusable_sqlite_url_is_one_clear_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"sqlite:///"):
        sqlite_path(url)
