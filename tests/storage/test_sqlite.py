"""The embedded store shared by two processes (a web and a worker) through one file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from i18n import translate
from importer.domain.errors import (
    AccountExists,
    ConfigurationError,
    NameTaken,
    RunInProgress,
    StoreError,
)
from importer.domain.model import Counts, Kind, NewRecord, Skipped, SkipReason
from importer.domain.runs import Checkpoint, RunRead
from storage.sqlite import SqliteStore, sqlite_path
from storage.sqlite.core import store_error
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
    run = await web.begin_run(account.id, Kind.CLIENTS, "realm-1", "web", timedelta(minutes=1))
    with pytest.raises(RunInProgress) as refused:
        await worker.begin_run(account.id, Kind.CLIENTS, "realm-1", "worker", timedelta(0))
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


async def test_a_read_is_answered_while_an_imports_look_up_is_under_way(
    tmp_path: Path, clock: Clock
) -> None:
    # A Slack command reads its workspace's account while the worker beside it looks a batch
    # up; the command must not wait for the look-up (a wave of them takes hundreds of ms).
    store = SqliteStore(tmp_path / "app.db", clock=clock)
    await store.migrate()
    account = await store.create_account("Acme", "premium")
    looking_up, finish = threading.Event(), threading.Event()

    class HeldKeys(list[str]):
        """Keys the look-up reads on the store's thread, and that hold it there until told."""

        def __iter__(self) -> Iterator[str]:
            looking_up.set()
            finish.wait(30)
            return super().__iter__()

    lookup = asyncio.ensure_future(
        store.lookup(account.id, Kind.CLIENTS, "realm-1", HeldKeys(["ann"]), ["1"])
    )
    try:
        assert await asyncio.to_thread(looking_up.wait, 10)
        async with asyncio.timeout(10):  # waits for the look-up (held to the end) without the fix
            assert await store.get_account(account.id) == account
            assert await store.find_account("acme") == account
    finally:
        finish.set()
    assert (await lookup).existing == {}
    await store.close()


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


async def test_a_database_made_before_r9_gains_the_qbo_id_index_and_the_skip_column(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(path)) as old, old:
        for table in ("clients", "items"):
            old.execute(
                f"CREATE TABLE {table} (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, "
                "name TEXT NOT NULL, name_key TEXT NOT NULL, qbo_realm TEXT, qbo_id TEXT, "
                "run_id TEXT, created_at TEXT NOT NULL, fields TEXT NOT NULL, "
                "UNIQUE (account_id, name_key))"
            )
        old.execute(
            "CREATE TABLE import_skips (run_id TEXT NOT NULL, page_no INTEGER NOT NULL, "
            "idx INTEGER NOT NULL, qbo_id TEXT NOT NULL, name TEXT NOT NULL, "
            "reason TEXT NOT NULL, PRIMARY KEY (run_id, page_no, idx))"
        )
        old.execute("INSERT INTO import_skips VALUES ('old-run', 1, 0, '3', 'Ann', 'exists')")

    store = SqliteStore(path, clock=clock)
    await store.migrate()
    await store.migrate()  # safe to run again
    account = await store.create_account("Acme", "premium")
    run = await store.begin_run(account.id, Kind.CLIENTS, "realm-1", "w", timedelta(seconds=60))
    renamed = Skipped("1", "Amy Renamed", SkipReason.ALREADY_IMPORTED, "Amy")
    await store.save_checkpoint(run.id, "w", Checkpoint(1, None, Counts(), [renamed]))

    assert await store.skipped_entries(run.id) == [renamed]
    assert await store.skipped_entries("old-run") == [Skipped("3", "Ann", SkipReason.EXISTS)]
    await store.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for table in ("clients", "items"):
            indexed = [
                [row[2] for row in conn.execute(f"PRAGMA index_info({index[1]})")]
                for index in conn.execute(f"PRAGMA index_list({table})")
            ]
            assert ["account_id", "qbo_realm", "qbo_id"] in indexed


async def test_a_database_made_before_company_leases_is_behind_until_migrated(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "v3.db"
    made = SqliteStore(path, clock=clock)
    await made.migrate()
    await made.close()
    with contextlib.closing(sqlite3.connect(path)) as old, old:
        old.execute("DROP TABLE company_leases")
        old.execute("PRAGMA user_version = 3")

    store = SqliteStore(path, clock=clock)
    behind = await store.readiness()
    await store.migrate()

    assert behind is not None
    assert "run invoice2go migrate" in behind
    assert await store.readiness() is None
    assert await store.take_company_lease("realm-1", "host:1:a", timedelta(minutes=1)) is None
    await store.close()


async def test_runs_of_a_database_made_before_reads_were_told_apart_are_full_reads(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "v4.db"
    made = SqliteStore(path, clock=clock)
    await made.migrate()
    account = await made.create_account("Acme", "premium")
    run = await made.begin_run(account.id, Kind.CLIENTS, "realm-1", "w", timedelta(seconds=60))
    await made.close()
    with contextlib.closing(sqlite3.connect(path)) as old, old:
        old.execute("ALTER TABLE import_runs DROP COLUMN read")
        old.execute("PRAGMA user_version = 4")

    store = SqliteStore(path, clock=clock)
    behind = await store.readiness()
    await store.migrate()

    assert behind is not None
    kept = await store.get_run(run.id)
    assert kept is not None
    assert kept.read is RunRead.FULL
    await store.close()


async def test_a_failed_commit_rolls_back_and_later_writes_work(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "app.db"
    store = SqliteStore(path, clock=clock)
    await store.migrate()
    setup = sqlite3.connect(path)
    setup.executescript(
        "CREATE TABLE probe_parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE probe_child (id INTEGER PRIMARY KEY, parent INTEGER "
        "REFERENCES probe_parent (id) DEFERRABLE INITIALLY DEFERRED);"
    )
    setup.close()

    def orphan(conn: sqlite3.Connection) -> None:
        # Foreign keys can only be turned on outside a transaction; the orphan is caught at
        # COMMIT, as a full disk or an I/O error would be.
        conn.execute("COMMIT")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO probe_child VALUES (1, 999)")

    with pytest.raises(StoreError, match="FOREIGN KEY"):
        await store._call(orphan)

    # The writer is out of the failed transaction, and the file's write lock is free.
    assert (await store.create_account("Acme", "premium")).name == "Acme"
    other = sqlite3.connect(path, timeout=0)
    other.execute("INSERT INTO probe_parent VALUES (1)")
    other.commit()
    other.close()
    checked = sqlite3.connect(path)
    assert checked.execute("SELECT count(*) FROM probe_child").fetchone() == (0,)
    checked.close()
    await store.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def set_mode(path: Path, mode: int) -> None:
    path.chmod(mode)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_a_corrupt_file_is_one_clear_error_and_leaks_no_connection(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database file " * 1000)
    store = SqliteStore(path, clock=clock)
    before = open_descriptors()

    for _ in range(5):
        with pytest.raises(StoreError, match="not a database"):
            await store.list_accounts()
        with pytest.raises(StoreError, match="not a database"):
            await store.create_account("Acme", "premium")

    assert open_descriptors() == before
    await store.close()


async def test_a_new_database_file_is_private_to_its_owner(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "private" / "data" / "app.db"
    store = SqliteStore(path, clock=clock)
    await store.migrate()
    await store.create_account("Acme", "premium")

    assert mode(path.parent) == 0o700
    for made in path.parent.iterdir():  # the file, its WAL and shared-memory files
        assert mode(made) == 0o600, made.name
    await store.close()


async def test_an_existing_folder_and_file_keep_their_modes(tmp_path: Path, clock: Clock) -> None:
    set_mode(tmp_path, 0o750)
    path = tmp_path / "app.db"
    first = SqliteStore(path, clock=clock)
    await first.migrate()
    await first.close()
    set_mode(path, 0o640)

    second = SqliteStore(path, clock=clock)
    await second.migrate()
    await second.close()
    assert mode(tmp_path) == 0o750
    assert mode(path) == 0o640


async def test_expired_oauth_states_are_purged_when_a_new_one_is_kept(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "app.db"
    store = SqliteStore(path, clock=clock)
    await store.migrate()
    for n in range(3):
        await store.put_oauth_state(f"old-{n}", {"n": n}, clock.now + timedelta(minutes=10))
    await store.put_oauth_state("later", {"n": 9}, clock.now + timedelta(minutes=30))
    clock.advance(minutes=11)

    await store.put_oauth_state("new", {"n": 4}, clock.now + timedelta(minutes=10))

    kept = sqlite3.connect(path)
    ids = sorted(row[0] for row in kept.execute("SELECT id FROM oauth_states"))
    kept.close()
    assert ids == ["later", "new"]
    assert await store.take_oauth_state("later") == {"n": 9}
    await store.close()


async def test_writes_committed_together_fail_alone(tmp_path: Path, clock: Clock) -> None:
    # Webhook deliveries arriving together share a commit; one write that breaks a constraint
    # is refused without taking the others' work with it.
    store = SqliteStore(tmp_path / "app.db", clock=clock)
    await store.migrate()

    def insert(name: str) -> Callable[[sqlite3.Connection], str]:
        def work(conn: sqlite3.Connection) -> str:
            conn.execute(
                "INSERT INTO webhook_events (key, realm_id, entity, entity_id, operation, "
                "occurred_at, received_at) VALUES (?, 'r', 'customer', '1', 'create', ?, ?)",
                (name, "2026-12-05T10:00:00Z", "2026-12-05T10:00:00+00:00"),
            )
            if name == "bad":  # the first insert of this write is undone with it
                conn.execute("INSERT INTO webhook_events (key) VALUES ('broken')")
            return name

        return work

    results = await asyncio.gather(
        *(store._call_grouped(insert(name)) for name in ("a", "bad", "c")),
        return_exceptions=True,
    )

    assert results[0] == "a"
    assert results[2] == "c"
    assert isinstance(results[1], StoreError)
    kept = sqlite3.connect(tmp_path / "app.db")
    keys = kept.execute("SELECT key FROM webhook_events ORDER BY key").fetchall()
    kept.close()
    assert keys == [("a",), ("c",)]
    await store.close()


async def test_a_version_4_database_gets_its_name_keys_made_again(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "v4.db"
    made = SqliteStore(path, clock=clock)
    await made.migrate()
    account = await made.create_account("Acme", "premium")
    stale = NewRecord("José´s Bistro", "josé ́s bistro", {}, None, None)
    await made.insert_records(account.id, Kind.CLIENTS, [stale])
    await made.close()
    with contextlib.closing(sqlite3.connect(path)) as old, old:
        old.execute("DROP TABLE store_meta")
        old.execute("PRAGMA user_version = 4")

    store = SqliteStore(path, clock=clock)
    behind = await store.readiness()
    await store.migrate()

    assert behind is not None
    assert await store.readiness() is None
    found = await store.find_record(account.id, Kind.CLIENTS, "josé's bistro")
    assert found is not None
    assert found.name == "José´s Bistro"
    await store.close()


@pytest.mark.parametrize("below", ["x.sqlite3", "sub/x.sqlite3"])
async def test_a_path_under_a_regular_file_is_one_configuration_error(
    tmp_path: Path, clock: Clock, below: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    path = tmp_path / "file" / below
    store = SqliteStore(path, clock=clock)

    with pytest.raises(ConfigurationError) as refused:
        await store.migrate()

    assert str(refused.value).startswith(f"cannot create the database file {path}: ")
    assert "Not a directory" in str(refused.value)
    await store.close()


async def test_a_locked_database_is_said_in_a_sentence_of_its_own(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "app.db"
    store = SqliteStore(path, clock=clock)
    await store.migrate()
    # Another process holds the write lock; the store gives up at once instead of in 30 s.
    await store._call(lambda conn: conn.execute("PRAGMA busy_timeout = 0"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError) as locked:
            await store.create_account("Acme", "premium")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert str(locked.value) == (
        f"the database {path} is busy with another process; try again in a moment"
    )
    assert translate(locked.value.text, "es") == (
        f"la base de datos {path} está ocupada por otro proceso; vuelve a intentarlo en un momento"
    )
    assert (await store.create_account("Acme", "premium")).name == "Acme"
    await store.close()


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        (sqlite3.SQLITE_FULL, "the disk holding the database {path} is full"),
        (sqlite3.SQLITE_READONLY, "the database {path} is read-only: nothing can be saved in it"),
        (sqlite3.SQLITE_IOERR, "the disk holding the database {path} failed to read or write"),
    ],
)
def test_common_sqlite_failures_are_said_in_sentences_of_their_own(
    tmp_path: Path, code: int, sentence: str
) -> None:
    error = sqlite3.OperationalError("English words of SQLite")
    error.sqlite_errorcode = code  # as sqlite3 sets it on the errors it raises
    said = store_error(tmp_path, error)
    assert str(said) == sentence.format(path=tmp_path)
    assert "English words" not in translate(said.text, "es")
