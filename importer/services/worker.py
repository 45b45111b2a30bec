"""A worker: claims import jobs and carries them out, one at a time, under a renewed lease.

A worker that dies leaves its job's lease to run out; another worker claims the job and the
import engine takes the interrupted runs over from their checkpoints. Asked to stop, a worker
takes no new job and hands the one in hand back at once (the batch being written lands first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from importer.domain.errors import (
    ConfigurationError,
    LeaseLost,
    QboError,
    ReconnectNeeded,
    ServerError,
    StoreError,
    ThrottledError,
    UserError,
)
from importer.domain.jobs import MAX_ATTEMPTS, Job, JobStatus, retry_delay
from importer.domain.messages import N_, Text, joined
from importer.domain.model import Kind
from importer.domain.runs import ImportRun, RunStatus
from importer.ports.accounts import AccountStore
from importer.ports.clock import Clock, utcnow
from importer.ports.jobs import JobQueue
from importer.ports.notify import JobNotifier
from importer.ports.runs import RunHistory
from importer.services.engine import Progress
from importer.services.imports import ImportReport, ImportService, KindOutcome
from importer.services.lease import owner_is_gone
from importer.services.log_context import JOB_ID
from importer.services.webhooks import AutoImport

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerPolicy:
    """How long a job's lease lasts, how often to look for work and to report progress."""

    lease_seconds: float = 60.0
    # An idle worker asks for work this often: one indexed query, so a queued job starts
    # within a tenth of a second.
    poll_seconds: float = 0.1
    # Jobs of workers on this host whose process is gone are looked for this often.
    reap_seconds: float = 2.0
    progress_seconds: float = 2.0
    # How often a worker gathers webhook events into auto-import jobs (J7).
    sweep_seconds: float = 5.0


class _Handback(Exception):
    """The worker is stopping: give the job back to the queue."""


class Worker:
    """Carry out queued import jobs until told to stop."""

    def __init__(
        self,
        queue: JobQueue,
        accounts: AccountStore,
        runs: RunHistory,
        imports: ImportService,
        notifier: JobNotifier,
        *,
        owner: str,
        policy: WorkerPolicy | None = None,
        auto_import: AutoImport | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._auto_import = auto_import
        self._queue = queue
        self._accounts = accounts
        self._runs = runs
        self._imports = imports
        self._notifier = notifier
        self.owner = owner
        self._policy = policy or WorkerPolicy()
        self._clock = clock

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and carry out jobs until stop is set."""
        log.info("worker %s started", self.owner)
        sweeping = asyncio.ensure_future(self._sweep(stop))
        try:
            await self._work(stop)
        finally:
            sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeping
        log.info("worker %s stopped", self.owner)

    async def _sweep(self, stop: asyncio.Event) -> None:
        """Turn webhook events into auto-import jobs every little while."""
        if self._auto_import is None:
            return
        while not stop.is_set():
            try:
                await self._auto_import.sweep()
            except StoreError as error:
                log.warning("cannot gather webhook events: %s", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._policy.sweep_seconds)

    async def _free_jobs_of_dead_workers(self) -> None:
        """A worker on this host whose process is gone holds nothing: free its job at once."""
        for job in await self._queue.running_jobs():
            owner = job.owner
            if owner is None or owner == self.owner or not owner_is_gone(owner):
                continue
            if await self._queue.release_job(job.id, owner):
                log.info("job %s: its worker %s is gone; taking it over", job.id, owner)

    async def _work(self, stop: asyncio.Event) -> None:
        reaped_at = -math.inf
        while not stop.is_set():
            try:
                if time.monotonic() - reaped_at >= self._policy.reap_seconds:
                    reaped_at = time.monotonic()
                    await self._free_jobs_of_dead_workers()
                job = await self._queue.claim_job(self.owner, self._policy.lease_seconds)
            except StoreError as error:
                log.warning("cannot look for import jobs: %s", error)
                job = None
            if job is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._policy.poll_seconds)
                continue
            await self.carry_out(job, stop)

    async def carry_out(self, job: Job, stop: asyncio.Event | None = None) -> Job | None:
        """Run a claimed job to its end, a retry, or a hand-back; return it as it was left."""
        token = JOB_ID.set(job.id)
        try:
            return await self._carry_out(job, stop)
        finally:
            JOB_ID.reset(token)

    async def _carry_out(self, job: Job, stop: asyncio.Event | None) -> Job | None:
        log.info("worker %s took job %s (attempt %d)", self.owner, job.id, job.attempts)
        work = asyncio.ensure_future(self._import(job))
        beat = asyncio.ensure_future(self._heartbeat(job, work))
        waits: set[asyncio.Future[Any]] = {work}
        stopping = asyncio.ensure_future(stop.wait()) if stop is not None else None
        if stopping is not None:
            waits.add(stopping)
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                work.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await work
                return await self._settle(job, handback=True)
            return await self._settle(job, work=work)
        finally:
            beat.cancel()
            if stopping is not None:
                stopping.cancel()

    async def _settle(
        self,
        job: Job,
        *,
        work: asyncio.Future[ImportReport] | None = None,
        handback: bool = False,
    ) -> Job | None:
        owner = self.owner
        try:
            if handback:
                log.info("worker %s stopping: job %s goes back to the queue", owner, job.id)
                return await asyncio.shield(
                    self._queue.requeue_job(job.id, owner, self._clock(), None)
                )
            assert work is not None
            if work.cancelled():
                log.warning("job %s was taken over by another worker", job.id)
                return None
            error = work.exception()
            if error is None:
                return await self._after(job, work.result())
            return await self._after_error(job, error)
        except LeaseLost:
            log.warning("job %s was taken over by another worker", job.id)
            return None

    async def _import(self, job: Job) -> ImportReport:
        account = await self._accounts.get_account(job.account_id)
        if account is None:
            raise UserError(N_("the account of this import no longer exists"))
        progress: dict[str, Any] = dict(job.progress or {})
        finished = await self._finished_runs(job)
        reply = await self._notifier.job_started(job)
        if reply:
            job = replace(job, reply_to={**job.reply_to, **reply})
            await self._queue.save_job_reply(job.id, self.owner, job.reply_to)
        last_saved = 0.0

        async def on_progress(update: Progress) -> None:
            nonlocal last_saved
            before = progress.get(update.kind.value, {})
            # Told at once: a new run (its id), the total once QuickBooks has counted, and a
            # wait for another process's import of the company, begun or over.
            first = (
                before.get("run_id") != update.run_id
                or (before.get("total") is None and update.total is not None)
                or bool(before.get("waiting_for_company")) != update.waiting_for_company
            )
            progress[update.kind.value] = {
                "run_id": update.run_id,
                "seen": update.counts.seen,
                "total": update.total,
                "resumed": update.resumed,
                "paused_until": update.paused_until.isoformat() if update.paused_until else None,
                "waiting_for_company": update.waiting_for_company,
                **update.counts.as_dict(),
            }
            now = time.monotonic()
            # A run's id is kept at once: were this job carried out again after a crash, a run
            # that finished meanwhile is reported, not imported a second time.
            if first or now - last_saved >= self._policy.progress_seconds:
                last_saved = now
                await self._queue.save_job_progress(job.id, self.owner, progress)
                await self._notifier.job_progress(job, dict(progress))

        record_ids = None
        if job.record_ids is not None:
            record_ids = {Kind(kind): ids for kind, ids in job.record_ids.items()}
        return await self._imports.run(
            account, job.kinds, on_progress=on_progress, record_ids=record_ids, finished=finished
        )

    async def _finished_runs(self, job: Job) -> dict[Kind, ImportRun]:
        """Return the runs this job completed before it was interrupted, by kind."""
        finished: dict[Kind, ImportRun] = {}
        for kind_value, seen in (job.progress or {}).items():
            run_id = seen.get("run_id") if isinstance(seen, Mapping) else None
            run = None if run_id is None else await self._runs.get_run(str(run_id))
            if run is not None and run.status is RunStatus.SUCCEEDED:
                finished[Kind(kind_value)] = run
        return finished

    async def _heartbeat(self, job: Job, work: asyncio.Future[ImportReport]) -> None:
        every = self._policy.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self._queue.renew_job(job.id, self.owner, self._policy.lease_seconds)
            except LeaseLost:
                work.cancel()  # another worker holds the job now: stop at once
                return
            except StoreError as error:
                log.warning("could not renew the lease of job %s: %s", job.id, error)

    async def _after(self, job: Job, report: ImportReport) -> Job:
        outcome = report.as_json()
        if report.ok:
            return await self._finish(job, JobStatus.SUCCEEDED, None, outcome)
        if report.running:
            busy = next(o for o in report.outcomes if o.running is not None)
            assert busy.running is not None
            if busy.running.status is RunStatus.FAILED:
                # A full import that stopped: auto-import leaves it for the next one to resume.
                reason = Text(
                    N_(
                        "an import of {kind} stopped before it finished and waits to be "
                        "resumed; importing {kind} again goes on from where it stopped"
                    ),
                    {"kind": busy.kind.noun},
                )
            else:
                reason = Text(
                    N_("an import of {kind} was already running; it goes on"),
                    {"kind": busy.kind.noun},
                )
            return await self._finish(job, JobStatus.FAILED, reason, outcome)
        failed = [o for o in report.outcomes if o.error is not None or o.run is None]
        reason = joined(
            [Text(N_("{kind}: {reason}"), {"kind": o.kind.noun, "reason": _why(o)}) for o in failed]
        )
        if all(o.retryable for o in failed):
            return await self._retry(
                job, reason, outcome, throttled=all(o.throttled for o in failed)
            )
        return await self._finish(job, JobStatus.FAILED, _next_step(reason, failed), outcome)

    async def _after_error(self, job: Job, error: BaseException) -> Job:
        if isinstance(error, LeaseLost):
            raise error
        if isinstance(error, ServerError | ThrottledError | StoreError):
            throttled = isinstance(error, ThrottledError)
            return await self._retry(job, error.text, None, throttled=throttled)
        if isinstance(error, ReconnectNeeded):
            reason = Text(
                N_("{reason}: run `invoice2go connect` or use Reconnect in Slack"),
                {"reason": error.text},
            )
            return await self._finish(job, JobStatus.FAILED, reason, None)
        if isinstance(error, UserError | QboError):
            return await self._finish(job, JobStatus.FAILED, error.text, None)
        if isinstance(error, ConfigurationError):
            # This process is set up wrong: trying again here would fail the same way.
            log.error("job %s failed: %s", job.id, error)
            return await self._finish(job, JobStatus.FAILED, error.text, None)
        log.error("job %s failed unexpectedly", job.id, exc_info=error)
        reason = Text(
            N_("the import failed unexpectedly ({error}); it can be tried again"),
            {"error": type(error).__name__},
        )
        return await self._finish(job, JobStatus.FAILED, reason, None)

    async def _retry(
        self,
        job: Job,
        reason: Text,
        outcome: Mapping[str, Any] | None,
        *,
        throttled: bool = False,
    ) -> Job:
        if job.attempts >= MAX_ATTEMPTS:
            message = Text(
                N_(
                    "{reason} (gave up after {attempts} attempts; what was imported stays, "
                    "and the next import goes on from there)"
                ),
                {"reason": reason, "attempts": job.attempts},
            )
            return await self._finish(job, JobStatus.FAILED, message, outcome)
        due = self._clock() + retry_delay(job.attempts)
        log.info("job %s will be tried again at %s: %s", job.id, due.isoformat(), reason)
        waiting = await self._queue.requeue_job(job.id, self.owner, due, reason)
        await self._notifier.job_waiting(waiting, throttled=throttled)
        return waiting

    async def _finish(
        self, job: Job, status: JobStatus, error: Text | None, outcome: Mapping[str, Any] | None
    ) -> Job:
        finished = await self._queue.finish_job(
            job.id, self.owner, status, error=error, outcome=outcome
        )
        await self._notifier.job_finished(finished)
        return finished


def _why(outcome: KindOutcome) -> Text:
    """Say why one kind's import failed or did not run, as a message."""
    if outcome.problem is not None:
        return outcome.problem
    if outcome.not_run is not None:
        return outcome.not_run
    if outcome.error is not None:
        return Text(outcome.error)
    return Text(N_("did not run"))


def _next_step(reason: Text, failed: list[KindOutcome]) -> Text:
    """Say what a person can do about a failure that will not pass by itself."""
    if any(o.needs_reconnect or "reconnect" in (o.error or "").lower() for o in failed):
        return Text(
            N_("{reason}; an admin must reconnect QuickBooks, then import again"),
            {"reason": reason},
        )
    return reason
