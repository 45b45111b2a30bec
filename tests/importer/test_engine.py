"""The engine end to end on the embedded store, with an in-process source."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from benchmarks.synthetic import SyntheticSource, synthetic_customer
from importer.domain.errors import RunCancelled, RunInProgress
from importer.domain.model import Kind, NewRecord, Skipped, SkipReason
from importer.domain.names import name_key
from importer.domain.runs import ImportRun, RunStatus
from importer.ports.clock import utcnow
from importer.services.engine import ImportEngine, Progress
from qbo.schema import Customer
from storage.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "engine.sqlite3")
    await store.migrate()
    yield store
    await store.close()


async def new_account(store: SqliteStore) -> str:
    return (await store.create_account("Acme Landscaping", "premium")).id


def summary(run: ImportRun) -> dict[str, Any]:
    return {"status": run.status, **run.counts.as_dict()}


async def names(store: SqliteStore, account_id: str, kind: Kind) -> list[str]:
    return [r.name for r in await store.list_records(account_id, kind, limit=100_000)]


async def test_first_import_brings_everything_and_second_brings_nothing(
    store: SqliteStore,
) -> None:
    account_id = await new_account(store)
    source = SyntheticSource(customers=2500, items=30, page_size=1000)
    engine = ImportEngine(store)

    first = await engine.run(account_id, Kind.CLIENTS, source)
    assert first.status is RunStatus.SUCCEEDED
    assert first.counts.imported == 2500
    assert first.total == 2500
    assert first.pages == 3
    assert await store.count_records(account_id, Kind.CLIENTS) == 2500

    second = await engine.run(account_id, Kind.CLIENTS, source)
    assert second.counts.imported == 0
    assert second.counts.skipped == {"exists": 2500}
    assert await store.count_records(account_id, Kind.CLIENTS) == 2500


async def test_items_keep_exact_prices(store: SqliteStore) -> None:
    account_id = await new_account(store)
    await ImportEngine(store).run(account_id, Kind.ITEMS, SyntheticSource(items=3))
    items = await store.list_records(account_id, Kind.ITEMS)
    assert [str(i.unit_price) for i in items] == ["1.99", "2.99", "3.99"]


async def test_a_deleted_client_is_not_imported_again(store: SqliteStore) -> None:
    account_id = await new_account(store)
    source = SyntheticSource(customers=5)
    engine = ImportEngine(store)
    await engine.run(account_id, Kind.CLIENTS, source)
    gone = await store.find_record(account_id, Kind.CLIENTS, name_key("Customer 000003"))
    assert gone is not None
    await store.delete_record(account_id, Kind.CLIENTS, gone.id)

    again = await engine.run(account_id, Kind.CLIENTS, source)
    assert again.counts.skipped == {"exists": 4, "deleted": 1}
    assert "Customer 000003" not in await names(store, account_id, Kind.CLIENTS)
    skipped = await store.skipped_entries(again.id)
    assert [(s.name, s.reason.value) for s in skipped if s.reason.value == "deleted"] == [
        ("Customer 000003", "deleted")
    ]


async def test_progress_is_reported_at_the_start_and_after_every_page(store: SqliteStore) -> None:
    account_id = await new_account(store)
    seen: list[Progress] = []

    async def listen(progress: Progress) -> None:
        seen.append(progress)

    await ImportEngine(store, batch_pages=1).run(
        account_id, Kind.CLIENTS, SyntheticSource(customers=25, page_size=10), on_progress=listen
    )
    assert [(p.counts.imported, p.total) for p in seen] == [(0, None), (10, 25), (20, 25), (25, 25)]


class SlowCount(SyntheticSource):
    """A source that counts only once the first page has been written."""

    def __init__(self) -> None:
        super().__init__(customers=25, page_size=10)
        self.first_page_written = asyncio.Event()

    async def count(self, kind: Kind) -> int | None:
        await self.first_page_written.wait()
        return await super().count(kind)


async def test_pages_are_read_and_written_before_the_count_answers(store: SqliteStore) -> None:
    account_id = await new_account(store)
    source = SlowCount()
    seen: list[Progress] = []

    async def listen(progress: Progress) -> None:
        seen.append(progress)
        if progress.pages:
            source.first_page_written.set()

    run = await asyncio.wait_for(
        ImportEngine(store, batch_pages=1).run(
            account_id, Kind.CLIENTS, source, on_progress=listen
        ),
        10,
    )

    assert (run.status, run.counts.imported, run.total) == (RunStatus.SUCCEEDED, 25, 25)
    assert seen[1].total is None  # the first page came before the count
    assert seen[-1].total == 25


class HeldStore(SqliteStore):
    """The embedded store, whose first insert waits until the test lets it go."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writing = asyncio.Event()
        self.release = asyncio.Event()
        self.inserts: list[int] = []

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        if not self.inserts:
            self.writing.set()
            await self.release.wait()
        self.inserts.append(len(records))
        return await super().insert_records(account_id, kind, records)


async def test_pages_read_while_a_write_is_slow_are_written_together(tmp_path: Path) -> None:
    store = HeldStore(tmp_path / "held.sqlite3")
    await store.migrate()
    account_id = await new_account(store)
    seen: list[Progress] = []

    async def listen(progress: Progress) -> None:
        seen.append(progress)
        if progress.pages == 1:
            assert store.inserts == [10]

    read_all = asyncio.Event()

    class AfterTheFirstWrite(SyntheticSource):
        """Page 1 at once, the others only once page 1 is being written."""

        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            async for page in super().pages(kind, start):
                yield page
                await store.writing.wait()
            read_all.set()

    source = AfterTheFirstWrite(customers=45, page_size=10)
    running = asyncio.ensure_future(
        ImportEngine(store).run(account_id, Kind.CLIENTS, source, on_progress=listen)
    )
    await read_all.wait()  # every page is read while the first one is being written
    store.release.set()
    run = await running

    assert store.inserts == [10, 35]
    assert [(p.pages, p.counts.imported) for p in seen] == [(0, 0), (1, 10), (5, 45)]
    assert run.pages == 5
    assert await names(store, account_id, Kind.CLIENTS) == sorted(
        f"Customer {n:06d}" for n in range(1, 46)
    )
    await store.close()


async def test_page_writes_take_a_constant_number_of_round_trips(store: SqliteStore) -> None:
    account_id = await new_account(store)
    before = store.round_trips
    await ImportEngine(store).run(account_id, Kind.CLIENTS, SyntheticSource(customers=10_000))
    per_thousand = (store.round_trips - before) / 10
    assert per_thousand <= 4


class Crash(BaseException):
    """The process dies: nothing after this point runs."""


class CrashingStore(SqliteStore):
    """The embedded store, dying right after inserting the records of page `crash_on_page`."""

    crash_on_page = 0
    pages_inserted = 0

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        refused = await super().insert_records(account_id, kind, records)
        self.pages_inserted += 1
        if self.pages_inserted == self.crash_on_page:
            raise Crash
        return refused


@pytest.mark.parametrize("batch_pages", [1, 4])
async def test_a_crash_between_insert_and_checkpoint_resumes_with_exact_counts(
    tmp_path: Path, batch_pages: int
) -> None:
    path = tmp_path / "crash.sqlite3"
    crashing = CrashingStore(path)
    crashing.crash_on_page = 2
    await crashing.migrate()
    account_id = await new_account(crashing)
    hand_made = NewRecord("CUSTOMER 000017", name_key("Customer 000017"))
    await crashing.add_record(account_id, Kind.CLIENTS, hand_made)
    source = SyntheticSource(customers=95, page_size=10)

    dying = ImportEngine(crashing, owner="host-a:1:dead", batch_pages=batch_pages)
    with pytest.raises(Crash):
        await dying.run(account_id, Kind.CLIENTS, source)
    await crashing.close()

    later = utcnow() + timedelta(minutes=5)  # the dead worker's lease has run out
    store = SqliteStore(path, clock=lambda: later)
    resumed = await ImportEngine(store).run(account_id, Kind.CLIENTS, source)
    reference = SqliteStore(tmp_path / "reference.sqlite3")
    await reference.migrate()
    other = await new_account(reference)
    await reference.add_record(other, Kind.CLIENTS, hand_made)
    uninterrupted = await ImportEngine(reference).run(other, Kind.CLIENTS, source)

    assert summary(resumed) == summary(uninterrupted)
    assert resumed.counts.imported == 94
    assert resumed.pages == uninterrupted.pages == 10
    assert await names(store, account_id, Kind.CLIENTS) == await names(
        reference, other, Kind.CLIENTS
    )
    assert await store.skipped_entries(resumed.id) == await reference.skipped_entries(
        uninterrupted.id
    )
    await store.close()
    await reference.close()


async def test_one_import_per_account_and_kind_at_a_time(store: SqliteStore) -> None:
    account_id = await new_account(store)
    running = await store.begin_run(
        account_id, Kind.CLIENTS, "synthetic-realm", "host-b:1:x", timedelta(minutes=1)
    )
    with pytest.raises(RunInProgress) as busy:
        await ImportEngine(store).run(account_id, Kind.CLIENTS, SyntheticSource(customers=3))
    assert busy.value.run.id == running.id
    # Items are another kind: they may run meanwhile.
    items = await ImportEngine(store).run(account_id, Kind.ITEMS, SyntheticSource(items=3))
    assert items.counts.imported == 3


class RacingStore(SqliteStore):
    """Another writer adds the same name between the engine's look-up and its insert."""

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        if records:
            racer = records[0]
            await self.add_record(account_id, kind, NewRecord(racer.name.upper(), racer.name_key))
        return await super().insert_records(account_id, kind, records)


async def test_a_racing_duplicate_is_skipped_as_existing_not_an_error(tmp_path: Path) -> None:
    store = RacingStore(tmp_path / "race.sqlite3")
    await store.migrate()
    account_id = await new_account(store)
    run = await ImportEngine(store).run(account_id, Kind.CLIENTS, SyntheticSource(customers=4))
    assert run.status is RunStatus.SUCCEEDED
    assert run.counts.imported == 3
    assert run.counts.skipped == {"exists": 1}
    assert await store.count_records(account_id, Kind.CLIENTS) == 4
    await store.close()


class FailingSource(SyntheticSource):
    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
        async for page in super().pages(kind, start):
            yield page
            raise RuntimeError("QuickBooks stopped answering")


async def test_a_failed_import_is_resumed_by_the_next_one_as_one_run(store: SqliteStore) -> None:
    account_id = await new_account(store)
    with pytest.raises(RuntimeError):
        await ImportEngine(store, batch_pages=1).run(
            account_id, Kind.CLIENTS, FailingSource(customers=30, page_size=10)
        )
    [failed] = await store.list_runs(account_id)
    assert failed.status is RunStatus.FAILED
    assert failed.error == "QuickBooks stopped answering"
    assert failed.counts.imported == 10

    seen: list[Progress] = []

    async def listen(progress: Progress) -> None:
        seen.append(progress)

    again = await ImportEngine(store).run(
        account_id, Kind.CLIENTS, SyntheticSource(customers=30, page_size=10), on_progress=listen
    )

    assert again.id == failed.id
    assert (again.status, again.error) == (RunStatus.SUCCEEDED, None)
    assert again.counts.imported == 30
    assert again.counts.skipped == {}
    assert again.pages == 3
    assert seen[-1].resumed
    assert await store.count_records(account_id, Kind.CLIENTS) == 30
    assert [r.id for r in await store.list_runs(account_id)] == [failed.id]


async def test_a_failed_run_of_another_company_is_ended_not_resumed(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = await new_account(store)
    with pytest.raises(RuntimeError):
        await ImportEngine(store).run(
            account_id, Kind.CLIENTS, FailingSource(customers=30, page_size=10, realm_id="old")
        )

    with caplog.at_level(logging.WARNING, logger="importer.services.engine"):
        fresh = await ImportEngine(store).run(
            account_id, Kind.CLIENTS, SyntheticSource(customers=30, page_size=10, realm_id="new")
        )

    # The log names the company whose run was ended, not the one imported now.
    [warning] = [r.getMessage() for r in caplog.records if "another QuickBooks" in r.getMessage()]
    assert "(old)" in warning

    assert fresh.status is RunStatus.SUCCEEDED
    assert fresh.realm_id == "new"
    [_, old] = await store.list_runs(account_id)
    assert old.status is RunStatus.FAILED
    assert old.error is not None
    assert "another QuickBooks company" in old.error
    # Company "new" has the same names: they were imported from "old" and stay.
    assert fresh.counts.skipped == {"exists": 10}


async def test_a_crashed_run_of_another_company_does_not_block_the_kind(
    store: SqliteStore,
) -> None:
    account_id = await new_account(store)
    # A worker on another host died while importing the company the account had before.
    crashed = await store.begin_run(
        account_id, Kind.CLIENTS, "old-realm", "host-b:1:dead", timedelta(0)
    )

    run = await ImportEngine(store).run(account_id, Kind.CLIENTS, SyntheticSource(customers=3))

    assert (run.status, run.counts.imported) == (RunStatus.SUCCEEDED, 3)
    ended = await store.get_run(crashed.id)
    assert ended is not None
    assert ended.status is RunStatus.FAILED
    assert ended.error is not None
    assert "another QuickBooks company" in ended.error


async def test_a_live_run_of_another_company_still_holds_the_kind(store: SqliteStore) -> None:
    account_id = await new_account(store)
    live = await store.begin_run(
        account_id, Kind.CLIENTS, "old-realm", "host-b:1:x", timedelta(minutes=1)
    )
    with pytest.raises(RunInProgress) as busy:
        await ImportEngine(store).run(account_id, Kind.CLIENTS, SyntheticSource(customers=3))
    assert busy.value.run == live


class CountingRenewals(SqliteStore):
    """The embedded store, telling when the lease has been renewed `wanted` times."""

    def __init__(self, path: Path, wanted: int) -> None:
        super().__init__(path)
        self.renewals = 0
        self.wanted = wanted
        self.renewed_enough = asyncio.Event()

    async def renew_lease(self, run_id: str, owner: str, lease: timedelta) -> None:
        await super().renew_lease(run_id, owner, lease)
        self.renewals += 1
        if self.renewals >= self.wanted:
            self.renewed_enough.set()


async def test_a_page_that_waits_longer_than_the_lease_keeps_the_run(tmp_path: Path) -> None:
    # Renewed every third of the lease: four renewals take longer than the lease itself.
    store = CountingRenewals(tmp_path / "throttled.sqlite3", wanted=4)
    await store.migrate()
    account_id = await new_account(store)
    rival_refused = asyncio.Event()

    class Throttled(SyntheticSource):
        """Page 1, then QuickBooks throttles: the next page comes only after a long wait."""

        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            async for page in super().pages(kind, start):
                yield page
                await rival_refused.wait()

    source = Throttled(customers=25, page_size=10)
    importing = asyncio.ensure_future(
        ImportEngine(store, lease_seconds=0.3, batch_pages=1).run(account_id, Kind.CLIENTS, source)
    )
    await asyncio.wait_for(store.renewed_enough.wait(), timeout=20)

    with pytest.raises(RunInProgress):  # another worker finds the run alive
        await ImportEngine(store).run(account_id, Kind.CLIENTS, SyntheticSource(customers=25))
    rival_refused.set()
    run = await importing

    assert (run.status, run.counts.imported, run.pages) == (RunStatus.SUCCEEDED, 25, 3)
    await store.close()


async def test_a_cancelled_run_stops_its_worker_while_it_waits(store: SqliteStore) -> None:
    account_id = await new_account(store)
    first_page_written = asyncio.Event()
    source_closed = asyncio.Event()

    class Stalling(SyntheticSource):
        """One page, then QuickBooks never answers again."""

        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            try:
                async for page in super().pages(kind, start):
                    yield page
                    await asyncio.Event().wait()
            finally:
                source_closed.set()

    async def listen(progress: Progress) -> None:
        if progress.pages:  # not the run's start: a page is written
            first_page_written.set()

    importing = asyncio.ensure_future(
        ImportEngine(store, lease_seconds=0.3).run(
            account_id, Kind.CLIENTS, Stalling(customers=25, page_size=10), on_progress=listen
        )
    )
    await first_page_written.wait()
    cancelled = await store.cancel_run(account_id, Kind.CLIENTS, "cancelled by an operator")

    with pytest.raises(RunCancelled):
        await asyncio.wait_for(importing, timeout=20)
    assert source_closed.is_set()
    assert cancelled is not None
    ended = await store.get_run(cancelled.id)
    assert ended is not None
    assert (ended.status, ended.error, ended.counts.imported) == (
        RunStatus.FAILED,
        "cancelled by an operator",
        10,
    )


async def test_a_stopped_import_closes_its_source_and_the_next_one_starts_at_once(
    store: SqliteStore,
) -> None:
    account_id = await new_account(store)
    first_page_written = asyncio.Event()
    source_closed = asyncio.Event()

    class Stalling(SyntheticSource):
        """One page, then QuickBooks never answers again."""

        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            try:
                async for page in super().pages(kind, start):
                    yield page
                    await asyncio.Event().wait()
            finally:
                source_closed.set()

    stopped: list[str] = []

    async def listen(progress: Progress) -> None:
        stopped.append(progress.run_id)
        if progress.pages:
            first_page_written.set()

    source = Stalling(customers=25, page_size=10)
    running = asyncio.ensure_future(
        ImportEngine(store).run(account_id, Kind.CLIENTS, source, on_progress=listen)
    )
    await first_page_written.wait()
    running.cancel()  # Ctrl-C, or the worker shutting down
    with pytest.raises(asyncio.CancelledError):
        await running

    assert source_closed.is_set()
    # The stopped run gave its lease back: the next import resumes it without waiting.
    resumed = await ImportEngine(store).run(
        account_id, Kind.CLIENTS, SyntheticSource(customers=25, page_size=10)
    )
    assert resumed.status is RunStatus.SUCCEEDED
    assert resumed.id == stopped[0]
    assert (resumed.pages, resumed.counts.imported) == (3, 25)
    assert await store.count_records(account_id, Kind.CLIENTS) == 25


async def test_a_stopped_import_does_not_wait_for_a_progress_report_that_hangs(
    store: SqliteStore,
) -> None:
    account_id = await new_account(store)
    first_page_written = asyncio.Event()

    class Stalling(SyntheticSource):
        """One page, then QuickBooks never answers again."""

        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            async for page in super().pages(kind, start):
                yield page
                await asyncio.Event().wait()

    async def hangs_after_the_first_page(progress: Progress) -> None:
        if progress.pages:
            first_page_written.set()
            await asyncio.Event().wait()  # a Slack edit that never comes back

    running = asyncio.ensure_future(
        ImportEngine(store, batch_pages=1).run(
            account_id,
            Kind.CLIENTS,
            Stalling(customers=25, page_size=10),
            on_progress=hangs_after_the_first_page,
        )
    )
    await first_page_written.wait()
    running.cancel()  # stopped while the next page is awaited and the report hangs
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 10)  # the batch landed: nothing more to wait for

    [stopped] = await store.list_runs(account_id, Kind.CLIENTS)
    assert (stopped.pages, stopped.counts.imported) == (1, 10)


class CheckpointFails(SqliteStore):
    """The embedded store, failing to save any checkpoint."""

    async def save_checkpoint(self, *args: Any) -> None:
        raise RuntimeError("disk full")


async def test_a_failed_write_stops_reading_at_once(tmp_path: Path) -> None:
    store = CheckpointFails(tmp_path / "full.sqlite3")
    await store.migrate()
    account_id = await new_account(store)
    source_closed = asyncio.Event()

    class Endless(SyntheticSource):
        """Page after page, for as long as anyone reads."""

        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            try:
                while True:
                    async for page in super().pages(kind, start):
                        yield page
            finally:
                source_closed.set()

    with pytest.raises(RuntimeError, match="disk full"):
        await ImportEngine(store).run(account_id, Kind.CLIENTS, Endless(customers=25, page_size=10))
    assert source_closed.is_set()
    [failed] = await store.list_runs(account_id)
    assert (failed.status, failed.error) == (RunStatus.FAILED, "disk full")
    await store.close()


def renaming(renamed: dict[int, str]) -> Callable[[int], Customer]:
    """Return the synthetic company's customers, some renamed in QuickBooks since."""

    def customer(qbo_id: int) -> Customer:
        made = synthetic_customer(qbo_id)
        name = renamed.get(qbo_id)
        return made if name is None else msgspec.structs.replace(made, DisplayName=name)

    return customer


async def test_clients_renamed_in_qbo_are_not_imported_again(store: SqliteStore) -> None:
    account_id = await new_account(store)
    engine = ImportEngine(store)
    await engine.run(account_id, Kind.CLIENTS, SyntheticSource(customers=30, page_size=10))

    renamed = {7: "Seven Renamed", 15: "Customer 000016", 29: "  CUSTOMER 000029 "}
    source = SyntheticSource(customers=30, page_size=10, customer=renaming(renamed))
    again = await engine.run(account_id, Kind.CLIENTS, source)

    assert again.counts.imported == 0
    # 29 is the same name spelled another way; 16 keeps its name, which 15 (a lower Id) now has
    # too: a duplicate inside QBO (R4).
    assert again.counts.skipped == {"exists": 27, "already_imported": 2, "duplicate": 1}
    assert await store.count_records(account_id, Kind.CLIENTS) == 30
    already = [
        s for s in await store.skipped_entries(again.id) if s.reason is SkipReason.ALREADY_IMPORTED
    ]
    assert already == [
        Skipped("7", "Seven Renamed", SkipReason.ALREADY_IMPORTED, "Customer 000007"),
        Skipped("15", "Customer 000016", SkipReason.ALREADY_IMPORTED, "Customer 000015"),
    ]


async def test_a_record_renamed_between_a_crash_and_the_resume_counts_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crash.sqlite3"
    crashing = CrashingStore(path)
    crashing.crash_on_page = 2  # page 2 (Ids 11-20) is inserted, its checkpoint never saved
    await crashing.migrate()
    account_id = await new_account(crashing)
    with pytest.raises(Crash):
        await ImportEngine(crashing, owner="host-a:1:dead", batch_pages=1).run(
            account_id, Kind.CLIENTS, SyntheticSource(customers=35, page_size=10)
        )
    await crashing.close()

    later = utcnow() + timedelta(minutes=5)  # the dead worker's lease has run out
    store = SqliteStore(path, clock=lambda: later)
    source = SyntheticSource(customers=35, page_size=10, customer=renaming({12: "Twelve"}))
    resumed = await ImportEngine(store).run(account_id, Kind.CLIENTS, source)

    assert resumed.counts.as_dict() == {
        "imported": 35,
        "failed": 0,
        "skipped": {reason.value: 0 for reason in SkipReason},
    }
    assert await store.count_records(account_id, Kind.CLIENTS) == 35
    await store.close()
