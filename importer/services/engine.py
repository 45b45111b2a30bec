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
from typing import Any

from importer.domain.errors import LeaseLost, RunCancelled, RunInProgress, StoreError
from importer.domain.messages import N_
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
from importer.domain.runs import Checkpoint, ImportRun, RunRead, RunStatus
from importer.ports.imports import ImportStore
from importer.ports.source import RecordSource
from importer.services.batches import Batch, batches
from importer.services.companies import CompanyGate
from importer.services.lease import owner_is_gone, worker_identity
from importer.services.log_context import RUN_ID

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands after a page: shown live to the user. paused_until is set while
    QuickBooks makes the import wait (it limits requests): when it goes on. waiting_for_company
    is set while another process imports from the same QuickBooks company (they take turns)."""

    run_id: str
    kind: Kind
    counts: Counts
    total: int | None
    pages: int
    resumed: bool
    paused_until: datetime | None = None
    waiting_for_company: bool = False


ProgressListener = Callable[[Progress], Awaitable[None]]


@dataclass(slots=True)
class _RunState:
    run: ImportRun
    resumed: bool
    counts: Counts = field(default_factory=Counts)
    pages: int = 0
    total: int | None = None
    # The source's count, asked alongside the first pages: progress has it when it is back.
    counting: asyncio.Future[int | None] | None = None

    def take_total(self) -> None:
        """Note the count once it is back (raising its failure)."""
        if self.counting is not None and self.counting.done():
            self.total = self.counting.result()
            self.counting = None


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


# Why an operator's cancel ended a run (its error, as run lists show it).
CANCELLED = N_("cancelled by an operator")
# Why a run of the company the account was connected to before is ended, not resumed.
OTHER_COMPANY = N_(
    "not resumed: the account is now connected to another QuickBooks company ({realm_id})"
)
# Why a run that read some records by Id (auto-import) is ended, not resumed: its position
# counts in its own list of Ids, which means nothing to any other import.
BY_ID_NOT_RESUMED = N_("not resumed: it read only some records, and another import began")


class ImportEngine:
    """Runs imports for any account and kind against one store."""

    def __init__(
        self,
        store: ImportStore,
        *,
        lease_seconds: float = 60,
        owner: str | None = None,
        batch_pages: int = 4,
        companies: CompanyGate | None = None,
    ) -> None:
        """companies: the gate of this process's imports (one per QBO request limiter); an
        engine without one reads as a process of its own."""
        self._store = store
        # At most this many source pages are written as one (see batches()). Measured: 4 QBO
        # pages (4,000 records) write as fast as 10 when writing falls behind, hold less memory,
        # and leave less unoverlapped work at the end than 10.
        self._batch_pages = batch_pages
        self._lease = timedelta(seconds=lease_seconds)
        self._owner = owner or worker_identity()
        self._companies = companies or CompanyGate(
            store, owner=self._owner, lease_seconds=lease_seconds
        )

    async def run(
        self,
        account_id: str,
        kind: Kind,
        source: RecordSource,
        *,
        on_progress: ProgressListener | None = None,
        read: RunRead = RunRead.FULL,
    ) -> ImportRun:
        """Import one kind for one account; raise RunInProgress if a live run holds it (R8).

        read says what the source reads: the whole company, or some records by Id. A full read
        left by a crash or a failure of the same company is resumed from its checkpoint by the
        next full read; a run that read by Id is never resumed, but ended when another import
        begins. A read by Id leaves a full read's run alone (RunInProgress, with that run,
        failed or not), for the next full import to resume; one of another company is ended.
        The company is read only while this process holds its lease (another process importing
        from it is waited for). While the run goes on, a heartbeat renews both leases, however
        long a page takes (QBO's throttling waits minutes); if the run is taken from this worker
        (another worker took it over), the import stops with LeaseLost; if an operator
        cancelled it, with RunCancelled.
        """
        state = await self._claim(account_id, kind, source.realm_id, read)
        run = state.run
        RUN_ID.set(run.id)
        try:
            if on_progress is not None:
                await on_progress(self._progress(state))  # started: nothing read yet
            await self._with_heartbeat(
                run.id,
                source.realm_id,
                self._read_company(state, account_id, kind, source, on_progress),
            )
            return await self._store.finish_run(run.id, self._owner, RunStatus.SUCCEEDED)
        except LeaseLost as lost:
            if await self._cancelled(run.id):
                raise RunCancelled(CANCELLED) from lost
            raise
        except asyncio.CancelledError:
            # Stopped on purpose (shutdown, Ctrl-C): let the next worker take over at once.
            await asyncio.shield(self._release(run.id))
            raise
        except Exception as error:
            # Kept for the next import to resume (the store keeps a failed run's lock).
            if not await asyncio.shield(self._fail(run.id, error)):
                raise RunCancelled(CANCELLED) from error
            raise

    async def _read_company(
        self,
        state: _RunState,
        account_id: str,
        kind: Kind,
        source: RecordSource,
        on_progress: ProgressListener | None,
    ) -> None:
        """Read and write while this process holds the company's lease (waiting for it)."""
        waited = False

        async def waiting() -> None:
            nonlocal waited
            waited = True
            if on_progress is not None:
                await on_progress(replace(self._progress(state), waiting_for_company=True))

        async with self._companies.reading(source.realm_id, waiting):
            if waited and on_progress is not None:
                await on_progress(self._progress(state))  # its turn: waiting no more
            await self._read_and_write(state, account_id, kind, source, on_progress)

    async def _read_and_write(
        self,
        state: _RunState,
        account_id: str,
        kind: Kind,
        source: RecordSource,
        on_progress: ProgressListener | None,
    ) -> None:
        run = state.run
        if state.resumed:
            log.info("resuming import %s of %s after page %d", run.id, kind, run.pages)
        if state.total is None:
            # Not waited for: the first pages go out with it (the count only tells progress).
            state.counting = asyncio.ensure_future(source.count(kind))
        try:
            if not state.resumed or run.next_position is not None or run.pages == 0:
                start = run.next_position if state.resumed else None
                pages = batches(source.pages(kind, start), self._batch_pages)
                # Closed on the way out, whatever happens: reading stops with the import.
                async with contextlib.aclosing(pages):
                    await self._import_pages(
                        state, account_id, kind, source.realm_id, pages, on_progress
                    )
            if state.counting is not None:
                await asyncio.wait([state.counting])
                state.take_total()
        finally:
            if state.counting is not None:
                counting, state.counting = state.counting, None
                counting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await counting  # a failure the import's own error already tells

    async def _claim(self, account_id: str, kind: Kind, realm_id: str, read: RunRead) -> _RunState:
        """Begin a run, or take over the one holding the lock: the store judges, by its clock,
        whether that one is failed or stale (one compare-and-set on what was seen)."""
        for _ in range(3):
            try:
                run = await self._store.begin_run(
                    account_id, kind, realm_id, self._owner, self._lease, read=read
                )
                return _RunState(run, resumed=False)
            except RunInProgress as busy:
                seen = busy.run
            gone = owner_is_gone(seen.owner)
            if seen.realm_id != realm_id:
                # Left by the company the account was connected to before: its checkpoint means
                # nothing to this one. Ended (if it is not live), then this import begins anew.
                await self._store.end_run(
                    seen, OTHER_COMPANY.format(realm_id=realm_id), owner_gone=gone
                )
                log.warning(
                    "ended import %s of another QuickBooks company (%s)", seen.id, seen.realm_id
                )
            elif seen.read is RunRead.BY_ID:
                # Its position is an index into its own list of Ids: ended (if it is not live),
                # then this import begins anew (a read by Id is short; what it imported is
                # already imported).
                await self._store.end_run(seen, BY_ID_NOT_RESUMED, owner_gone=gone)
                log.info("ended import %s, which read some records by Id", seen.id)
            elif read is RunRead.FULL:
                run = await self._store.take_over_run(
                    seen, self._owner, self._lease, owner_gone=gone
                )
                return _RunState(run, True, run.counts.copy(), run.pages, run.total)
            else:
                # A full read, live or waiting to be resumed: a read by Id neither resumes it
                # nor ends it; the next full import goes on from its checkpoint.
                raise RunInProgress(seen)
        raise StoreError(
            N_("could not start an import of {kind}: the lock kept changing"), kind=kind.noun
        )

    async def _with_heartbeat(self, run_id: str, realm_id: str, work: Awaitable[None]) -> None:
        """Do the work while a heartbeat renews the leases every third of one, whatever the
        work waits for. If the run is taken from this worker, stop the work and raise
        LeaseLost."""
        stop = asyncio.Event()
        working = asyncio.ensure_future(work)
        beating = asyncio.ensure_future(self._beat(run_id, realm_id, stop))
        try:
            await asyncio.wait({working, beating}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            try:
                if not working.done():  # stopped from outside, or the run was taken
                    working.cancel()
                # The work lets a batch being written land; then no renewal comes after it.
                await asyncio.wait({working})
            finally:
                stop.set()
                await asyncio.wait({beating})
        lost = beating.exception()
        if lost is not None:
            if not working.cancelled():
                working.exception()  # retrieved: LeaseLost says what happened
            raise lost
        working.result()

    async def _beat(self, run_id: str, realm_id: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._lease.total_seconds() / 3)
            if stop.is_set():
                return
            try:
                await self._store.renew_lease(run_id, self._owner, self._lease)
            except LeaseLost:
                raise
            except StoreError as error:
                # Tried again at the next beat: two more fit in the lease.
                log.warning("could not renew the lease of import %s: %s", run_id, error)
            try:
                await self._companies.renew(realm_id)
            except StoreError as error:
                log.warning(
                    "could not renew the lease of QuickBooks company %s: %s", realm_id, error
                )

    async def _fail(self, run_id: str, error: Exception) -> bool:
        """Record the failure; return False if an operator had cancelled the run meanwhile."""
        try:
            await self._store.finish_run(run_id, self._owner, RunStatus.FAILED, str(error))
        except LeaseLost as unrecorded:  # the run is someone else's, or was cancelled
            if await self._cancelled(run_id):
                return False
            log.warning("could not record the failure of import %s: %s", run_id, unrecorded)
        except StoreError as unrecorded:
            log.warning("could not record the failure of import %s: %s", run_id, unrecorded)
        return True

    async def _cancelled(self, run_id: str) -> bool:
        """Tell whether an operator ended the run (cancel_run), as opposed to a take-over."""
        try:
            run = await self._store.get_run(run_id)
        except StoreError:
            return False
        return run is not None and run.status is RunStatus.FAILED and run.error == CANCELLED

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
        landed = asyncio.Event()  # the batch being written is in, with its checkpoint
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
                landed = asyncio.Event()
                writing = asyncio.ensure_future(
                    self._write_batch(state, account_id, kind, batch, plan, landed, on_progress)
                )
            if writing is not None:
                await writing
        except BaseException:
            if writing is not None and not writing.done():
                # A batch being written is one transaction and a checkpoint: let it land first.
                # Telling its progress is not waited for (a listener may be slow to answer).
                landing = asyncio.ensure_future(landed.wait())
                waits: set[asyncio.Future[Any]] = {writing, landing}
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                landing.cancel()
                writing.cancel()
            raise

    async def _write_batch(
        self,
        state: _RunState,
        account_id: str,
        kind: Kind,
        batch: Batch,
        plan: _Plan,
        landed: asyncio.Event,
        on_progress: ProgressListener | None,
    ) -> None:
        run = state.run
        if batch.next_position is None and state.counting is not None:
            await asyncio.wait([state.counting])  # the last checkpoint carries the total
        state.take_total()  # before the insert: a failed count fails the batch before it lands
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
        landed.set()
        if on_progress is not None:
            await on_progress(self._progress(state))

    async def _release(self, run_id: str) -> None:
        with contextlib.suppress(LeaseLost):
            await self._store.renew_lease(run_id, self._owner, timedelta(0))

    def _progress(self, state: _RunState) -> Progress:
        counts = state.counts.copy()
        return Progress(
            state.run.id, state.run.kind, counts, state.total, state.pages, state.resumed
        )
