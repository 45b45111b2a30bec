"""The import service called directly: cancelling a run for an operator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthetic import SyntheticSource
from importer.domain.model import Account, Kind
from importer.domain.plans import Plans
from importer.domain.runs import RunStatus
from importer.ports.source import PauseListener, RecordSource
from importer.services.engine import CANCELLED, ImportEngine, Progress
from importer.services.imports import ImportService
from storage.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "service.sqlite3")
    await store.migrate()
    yield store
    await store.close()


class OneSource:
    """The account's company: always the same source."""

    def __init__(self, source: RecordSource) -> None:
        self.source = source

    async def source_for(
        self,
        account_id: str,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        *,
        on_pause: PauseListener | None = None,
    ) -> RecordSource:
        return self.source


async def test_cancel_ends_a_stuck_run_and_the_next_import_starts_anew(
    store: SqliteStore,
) -> None:
    account = await store.create_account("Acme", "premium")
    source = SyntheticSource(customers=5)
    service = ImportService(ImportEngine(store), OneSource(source), store, Plans())
    stuck = await store.begin_run(
        account.id, Kind.CLIENTS, source.realm_id, "host-b:1:x", timedelta(minutes=5)
    )
    assert (await service.run(account, [Kind.CLIENTS])).running

    cancelled = await service.cancel(account, Kind.CLIENTS)

    assert cancelled is not None
    assert (cancelled.id, cancelled.status, cancelled.error) == (
        stuck.id,
        RunStatus.FAILED,
        CANCELLED,
    )
    assert await service.cancel(account, Kind.CLIENTS) is None
    report = await service.run(account, [Kind.CLIENTS])
    assert report.ok
    [outcome] = report.outcomes
    assert outcome.run is not None
    assert outcome.run.id != stuck.id
    assert outcome.run.counts.imported == 5


async def test_cancel_stops_a_live_worker(store: SqliteStore) -> None:
    account: Account = await store.create_account("Acme", "premium")
    first_page = asyncio.Event()

    class Stalling(SyntheticSource):
        async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[Any]:
            async for page in super().pages(kind, start):
                yield page
                await asyncio.Event().wait()

    async def listen(progress: Progress) -> None:
        if progress.pages:  # not the run's start: a page is written
            first_page.set()

    worker = ImportService(
        ImportEngine(store, lease_seconds=0.3),
        OneSource(Stalling(customers=20, page_size=10)),
        store,
        Plans(),
    )
    operator = ImportService(ImportEngine(store), OneSource(SyntheticSource()), store, Plans())
    importing = asyncio.ensure_future(worker.run(account, [Kind.CLIENTS], on_progress=listen))
    await first_page.wait()

    cancelled = await operator.cancel(account, Kind.CLIENTS)

    report = await asyncio.wait_for(importing, timeout=20)

    [outcome] = report.outcomes
    assert (outcome.error, outcome.retryable) == ("cancelled by an operator", False)
    assert cancelled is not None
    assert outcome.run is not None
    assert outcome.run.id == cancelled.id
    assert cancelled.counts.imported == 10
    assert await store.count_records(account.id, Kind.CLIENTS) == 10
