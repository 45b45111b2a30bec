"""Imports of one QuickBooks company take turns across processes, and share it within one."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.synthetic import SyntheticSource
from importer.domain.model import Kind
from importer.domain.runs import RunStatus
from importer.services.companies import CompanyGate
from importer.services.engine import ImportEngine, Progress
from storage.sqlite import SqliteStore

REALM = "synthetic-realm"
MINUTE = timedelta(minutes=1)


class Clock:
    """The store's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "turns.sqlite3", clock=clock)
    await store.migrate()
    yield store
    await store.close()


def gate(store: SqliteStore, owner: str) -> CompanyGate:
    """The gate of one process (its owner id), asking again every few milliseconds."""
    return CompanyGate(store, owner=owner, poll_seconds=0.005)


class Waits:
    """Counts the times an import is told it waits, and lets a test wait for the first."""

    def __init__(self) -> None:
        self.count = 0
        self.began = asyncio.Event()

    async def __call__(self) -> None:
        self.count += 1
        self.began.set()


async def holder(store: SqliteStore) -> str | None:
    """Return who holds the company, as another process asking for it finds out."""
    found = await store.take_company_lease(REALM, "host:99:asking", timedelta(0))
    if found is None:
        await store.release_company_lease(REALM, "host:99:asking")
    return found


async def test_imports_in_one_process_share_the_company_without_waiting(
    store: SqliteStore,
) -> None:
    process = gate(store, "host:1:a")
    waits = Waits()

    async with process.reading(REALM, waits):
        async with process.reading(REALM, waits):
            assert await holder(store) == "host:1:a"
        assert await holder(store) == "host:1:a"  # the other import still reads it
    free = await holder(store)

    assert waits.count == 0
    assert free is None


async def test_another_process_waits_its_turn_and_is_told_once(store: SqliteStore) -> None:
    first, second = gate(store, "host:1:a"), gate(store, "host:2:b")
    waits = Waits()
    entered = asyncio.Event()
    leave = asyncio.Event()

    async def read_second() -> None:
        async with second.reading(REALM, waits):
            entered.set()
            await leave.wait()

    async with first.reading(REALM):
        reading = asyncio.ensure_future(read_second())
        await waits.began.wait()
        assert not entered.is_set()
        assert await holder(store) == "host:1:a"
    await entered.wait()
    assert await holder(store) == "host:2:b"
    leave.set()
    await reading

    assert waits.count == 1
    assert await holder(store) is None


async def test_a_waiting_import_that_is_stopped_leaves_the_company_free(
    store: SqliteStore,
) -> None:
    first, second = gate(store, "host:1:a"), gate(store, "host:2:b")
    waits = Waits()

    async def read_second() -> None:
        async with second.reading(REALM, waits):
            pytest.fail("the stopped import read the company")

    async with first.reading(REALM):
        reading = asyncio.ensure_future(read_second())
        await waits.began.wait()
        reading.cancel()  # Ctrl-C, or the worker shutting down
        with pytest.raises(asyncio.CancelledError):
            await reading

    assert await holder(store) is None


async def test_a_renewed_lease_outlives_its_first_term_and_a_left_one_is_not_renewed(
    store: SqliteStore, clock: Clock
) -> None:
    process = gate(store, "host:1:a")

    async with process.reading(REALM):
        clock.now += timedelta(seconds=50)
        await process.renew(REALM)  # the import's heartbeat
        clock.now += timedelta(seconds=50)  # 100 s after it was taken
        held = await holder(store)
    await process.renew(REALM)  # a late beat, after the import left

    assert held == "host:1:a"
    assert await holder(store) is None


async def test_a_holder_known_dead_is_taken_over_at_once(store: SqliteStore) -> None:
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    dead = f"{socket.gethostname()}:{ended.pid}:dead"
    assert await store.take_company_lease(REALM, dead, MINUTE) is None
    waits = Waits()

    async with gate(store, "host:1:a").reading(REALM, waits):
        assert await holder(store) == "host:1:a"

    assert waits.count == 0


async def test_a_killed_process_s_company_is_imported_from_once_its_lease_runs_out(
    store: SqliteStore, clock: Clock
) -> None:
    # Killed while it read the company: its lease stays until it runs out (no renewals).
    assert await store.take_company_lease(REALM, "other-host:4242:killed", MINUTE) is None
    account_id = (await store.create_account("Acme", "premium")).id
    seen: list[Progress] = []
    waiting = asyncio.Event()

    async def listen(progress: Progress) -> None:
        seen.append(progress)
        if progress.waiting_for_company:
            waiting.set()

    engine = ImportEngine(store, companies=gate(store, "host:1:a"))
    source = SyntheticSource(customers=25, page_size=10)
    running = asyncio.ensure_future(
        engine.run(account_id, Kind.CLIENTS, source, on_progress=listen)
    )
    await waiting.wait()
    read_meanwhile = await store.count_records(account_id, Kind.CLIENTS)
    clock.now += MINUTE + timedelta(seconds=1)
    run = await running

    assert read_meanwhile == 0
    assert (run.status, run.counts.imported) == (RunStatus.SUCCEEDED, 25)
    assert [p.waiting_for_company for p in seen[:3]] == [False, True, False]
    assert not any(p.waiting_for_company for p in seen[2:])
    assert await holder(store) is None
