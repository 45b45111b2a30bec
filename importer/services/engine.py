"""The import engine: read a source page by page, decide with the rules, write, checkpoint.

Per batch of pages the store sees a constant number of round trips (look up names, insert,
checkpoint), never one per record; a batch is one page, or several when writing falls behind.
The unique index is the last guard: a name that a racing writer inserted first comes back
refused and is counted as "skipped: exists". A run interrupted at any point is resumed from its
last checkpoint by the next import of the same account and kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from importer.domain.errors import LeaseLost, RunInProgress
from importer.domain.model import Counts, Kind, NewRecord
from importer.domain.names import display_name
from importer.domain.rules import (
    Candidate,
    ExistingRecord,
    Known,
    PageDecision,
    decide_page,
    refused_as_existing,
)
from importer.domain.runs import Checkpoint, ImportRun, RunStatus
from importer.ports.clock import Clock, utcnow
from importer.ports.imports import ImportStore
from importer.ports.source import RecordSource
from importer.services.batches import Batch, batches
from importer.services.lease import is_stale, worker_identity
from importer.services.log_context import RUN_ID

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands after a page: shown live to the user. paused_until is set while
    QuickBooks makes the import wait (it limits requests): when it goes on."""

    run_id: str
    kind: Kind
    counts: Counts
    total: int | None
    pages: int
    resumed: bool
    paused_until: datetime | None = None


ProgressListener = Callable[[Progress], Awaitable[None]]


@dataclass(slots=True)
class _RunState:
    run: ImportRun
    resumed: bool
    counts: Counts = field(default_factory=Counts)
    pages: int = 0
    total: int | None = None
    renewed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    decision: PageDecision
    records: list[NewRecord]
    held: dict[str, ExistingRecord]


def _plan(
    kind: Kind,
    candidates: list[Candidate],
    known: Known,
    in_flight: dict[str, ExistingRecord],
    realm_id: str,
    run_id: str,
) -> _Plan:
    """Decide a batch and make the records to insert: plain work, no I/O."""
    # The look-up may not see the batch still being written: count its names as held. (If a
    # racing writer took one of them first, a record of this batch with that name is called a
    # duplicate instead of existing; both are skipped.)
    known = replace(known, existing={**in_flight, **known.existing})
    decision = decide_page(kind, candidates, known, realm_id=realm_id, run_id=run_id)
    records = [
        NewRecord(display_name(c.name), c.key, c.fields, realm_id, c.qbo_id, run_id)
        for c in decision.to_insert
    ]
    held = {c.key: ExistingRecord(realm_id, c.qbo_id, run_id) for c in decision.to_insert}
    return _Plan(decision, records, held)


class ImportEngine:
    """Runs imports for any account and kind against one store."""

    def __init__(
        self,
        store: ImportStore,
        *,
        lease_seconds: int = 60,
        owner: str | None = None,
        clock: Clock = utcnow,
        batch_pages: int = 4,
    ) -> None:
        self._store = store
        # At most this many source pages are written as one (see batches()). Measured: 4 QBO
        # pages (4,000 records) write as fast as 10 when writing falls behind, hold less memory,
        # and leave less unoverlapped work at the end than 10.
        self._batch_pages = batch_pages
        self._lease = timedelta(seconds=lease_seconds)
        self._owner = owner or worker_identity()
        self._clock = clock

    async def run(
        self,
        account_id: str,
        kind: Kind,
        source: RecordSource,
        *,
        on_progress: ProgressListener | None = None,
    ) -> ImportRun:
        """Import one kind for one account; raise RunInProgress if a live run holds it (R8)."""
        state = await self._claim(account_id, kind, source.realm_id)
        run = state.run
        RUN_ID.set(run.id)
        try:
            if on_progress is not None:
                await on_progress(self._progress(state))  # started: nothing read yet
            if state.resumed:
                log.info("resuming import %s of %s after page %d", run.id, kind, run.pages)
            else:
                state.total = await source.count(kind)
            if not state.resumed or run.next_position is not None or run.pages == 0:
                start = run.next_position if state.resumed else None
                pages = batches(source.pages(kind, start), self._batch_pages)
                # Closed on the way out, whatever happens: reading stops with the import.
                async with contextlib.aclosing(pages):
                    await self._import_pages(
                        state, account_id, kind, source.realm_id, pages, on_progress
                    )
            return await self._store.finish_run(run.id, self._owner, RunStatus.SUCCEEDED)
        except LeaseLost:
            raise
        except asyncio.CancelledError:
            # Stopped on purpose (shutdown, Ctrl-C): let the next worker take over at once.
            await asyncio.shield(self._release(run.id))
            raise
        except Exception as error:
            await self._store.finish_run(run.id, self._owner, RunStatus.FAILED, str(error))
            raise

    async def _claim(self, account_id: str, kind: Kind, realm_id: str) -> _RunState:
        now = self._clock()
        try:
            run = await self._store.begin_run(
                account_id, kind, realm_id, self._owner, now + self._lease
            )
            return _RunState(run, resumed=False, renewed_at=now)
        except RunInProgress as busy:
            if not is_stale(busy.run, now) or busy.run.realm_id != realm_id:
                raise
            run = await self._store.take_over_run(
                busy.run.id, busy.run.owner, self._owner, now + self._lease
            )
        counts = run.counts.copy()
        return _RunState(run, True, counts, run.pages, run.total, renewed_at=now)

    async def _import_pages(
        self,
        state: _RunState,
        account_id: str,
        kind: Kind,
        realm_id: str,
        incoming: AsyncIterator[Batch],
        on_progress: ProgressListener | None,
    ) -> None:
        """Write each batch while the next one is looked up and decided, so the two overlap."""
        writing: asyncio.Future[None] | None = None
        in_flight: dict[str, ExistingRecord] = {}
        try:
            async for batch in incoming:
                known = await self._store.lookup(
                    account_id,
                    kind,
                    realm_id,
                    [c.key for c in batch.candidates],
                    [c.qbo_id for c in batch.candidates],
                )
                # Deciding thousands of records takes a while: off the event loop, so reading
                # goes on meanwhile.
                plan = await asyncio.to_thread(
                    _plan, kind, batch.candidates, known, in_flight, realm_id, state.run.id
                )
                if writing is not None:
                    await writing
                in_flight = plan.held
                writing = asyncio.ensure_future(
                    self._write_batch(state, account_id, kind, batch, plan, on_progress)
                )
            if writing is not None:
                await writing
        except BaseException:
            if writing is not None and not writing.done():
                # A batch being written is one transaction and a checkpoint: let it land first.
                await asyncio.wait([writing])
            raise

    async def _write_batch(
        self,
        state: _RunState,
        account_id: str,
        kind: Kind,
        batch: Batch,
        plan: _Plan,
        on_progress: ProgressListener | None,
    ) -> None:
        run = state.run
        refused = await self._store.insert_records(account_id, kind, plan.records)
        inserted, raced = refused_as_existing(plan.decision, refused)
        skipped = plan.decision.skipped + raced
        state.counts.add(len(inserted) + len(plan.decision.already_imported), skipped)
        state.pages += batch.pages
        await self._store.save_checkpoint(
            run.id,
            self._owner,
            Checkpoint(state.pages, batch.next_position, state.counts, skipped, state.total),
        )
        await self._renew_if_due(state)
        if on_progress is not None:
            await on_progress(self._progress(state))

    async def _renew_if_due(self, state: _RunState) -> None:
        now = self._clock()
        if state.renewed_at is None or now - state.renewed_at >= self._lease / 3:
            await self._store.renew_lease(state.run.id, self._owner, now + self._lease)
            state.renewed_at = now

    async def _release(self, run_id: str) -> None:
        with contextlib.suppress(LeaseLost):
            await self._store.renew_lease(run_id, self._owner, self._clock())

    def _progress(self, state: _RunState) -> Progress:
        counts = state.counts.copy()
        return Progress(
            state.run.id, state.run.kind, counts, state.total, state.pages, state.resumed
        )
