"""Import requests as durable jobs (J3 from Slack, `--detach` on the command line, J7)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from importer.domain.errors import JobInProgress, StoreError
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.messages import N_
from importer.domain.model import Account, Kind
from importer.domain.runs import ImportRun, RunStatus
from importer.ports.clock import Clock, utcnow
from importer.ports.jobs import JobQueue
from importer.ports.notify import JobNotifier
from importer.ports.runs import RunHistory
from importer.services.lease import owner_is_gone

log = logging.getLogger(__name__)


class Readiness(Protocol):
    """What an import needs before it may be queued: the plan (R6) and a usable connection."""

    async def ready_to_import(self, account: Account) -> object:
        """Refuse with PlanNotEnabled, NotConnected or ReconnectNeeded, as an import would."""
        ...


@dataclass(frozen=True, slots=True)
class JobRequest:
    """What asking for an import did (R8): the job queued now for the kinds that were free
    (None when none was), the active jobs already importing some asked kinds (their summary
    goes to whoever asked for them), and the imports run outside the queue (a command line's
    foreground import) holding others."""

    queued: Job | None
    active: tuple[Job, ...] = ()
    running: tuple[ImportRun, ...] = ()

    @property
    def already_active(self) -> bool:
        """Tell whether nothing was queued: every asked kind is already being imported."""
        return self.queued is None

    @property
    def job(self) -> Job:
        """The job queued now, or else the first active job that covers an asked kind."""
        if self.queued is not None:
            return self.queued
        if not self.active:
            raise LookupError("no job: the kinds are held by imports run outside the queue")
        return self.active[0]

    @property
    def busy(self) -> tuple[Kind, ...]:
        """The asked kinds already being imported, by a job or a run outside the queue."""
        kinds = [kind for job in self.active for kind in job.kinds]
        kinds += [run.kind for run in self.running]
        return tuple(dict.fromkeys(kinds))


class JobService:
    """Queue imports for the workers and tell where they stand."""

    def __init__(
        self,
        queue: JobQueue,
        runs: RunHistory,
        readiness: Readiness,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self._queue = queue
        self._runs = runs
        self._readiness = readiness
        self._clock = clock

    async def request(
        self,
        account: Account,
        kinds: Sequence[Kind],
        *,
        origin: JobOrigin = JobOrigin.COMMAND,
        requested_by: str | None = None,
        reply_to: Mapping[str, Any] | None = None,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
    ) -> JobRequest:
        """Queue an import of the asked kinds that no import holds (R8) as one job; refuse what
        the import itself would refuse at once (R6's plan, no usable connection)."""
        await self._readiness.ready_to_import(account)
        asked = tuple(dict.fromkeys(kinds))
        running = await self._running(account, asked)
        active: list[Job] = []
        free = [kind for kind in asked if kind not in {run.kind for run in running}]
        if len(free) < len(asked):
            # A kind a job's run holds is told as that job (its summary goes to its asker).
            for held in await self._queue.list_jobs(account.id, limit=20):
                if held.status.active and any(run.kind in held.kinds for run in running):
                    active.append(held)
            covered = {kind for job in active for kind in job.kinds}
            running = [run for run in running if run.kind not in covered]
        queued: Job | None = None
        while free and queued is None:
            try:
                queued = await self._queue.enqueue_job(
                    self._job(account, free, origin, requested_by, reply_to, record_ids)
                )
            except JobInProgress as busy:
                left = [kind for kind in free if kind not in busy.job.kinds]
                if len(left) == len(free):
                    raise StoreError(
                        N_("job {job} holds none of the kinds asked"), job=busy.job.id
                    ) from None
                active.append(busy.job)
                free = left
        if queued is not None:
            log.info("queued import job %s of %s", queued.id, ", ".join(queued.kinds))
        return JobRequest(queued, tuple({job.id: job for job in active}.values()), tuple(running))

    async def _running(self, account: Account, kinds: Sequence[Kind]) -> list[ImportRun]:
        """Return the live runs holding these kinds: running, the lease not run out, and not
        left by a process of this host that is gone (an import would take those over)."""
        now = self._clock()
        live = []
        for kind in kinds:
            latest = await self._runs.list_runs(account.id, kind, limit=1)
            if (
                latest
                and latest[0].status is RunStatus.RUNNING
                and latest[0].lease_expires_at > now
                and not owner_is_gone(latest[0].owner)
            ):
                live.append(latest[0])
        return live

    def _job(
        self,
        account: Account,
        kinds: Sequence[Kind],
        origin: JobOrigin,
        requested_by: str | None,
        reply_to: Mapping[str, Any] | None,
        record_ids: Mapping[Kind, Sequence[str]] | None,
    ) -> Job:
        return Job(
            id=uuid.uuid4().hex,
            account_id=account.id,
            kinds=tuple(kinds),
            origin=origin,
            status=JobStatus.QUEUED,
            created_at=self._clock(),
            requested_by=requested_by,
            reply_to=dict(reply_to or {}),
            record_ids=None
            if record_ids is None
            else {kind.value: tuple(ids) for kind, ids in record_ids.items() if kind in kinds},
        )

    async def recent(self, account: Account | None = None, limit: int = 20) -> list[Job]:
        """Return the newest jobs first, of one account or of all."""
        return await self._queue.list_jobs(None if account is None else account.id, limit)

    async def get(self, job_id: str) -> Job | None:
        """Return one job."""
        return await self._queue.get_job(job_id)


class LogNotifier:
    """Tell the log about jobs: the notifier until the Slack app provides one."""

    async def job_started(self, job: Job) -> Mapping[str, Any] | None:
        """Say nothing: the log has the worker's line."""
        return None

    async def job_progress(self, job: Job, progress: Mapping[str, Any]) -> None:
        """Say nothing: progress is kept on the job (`jobs list`)."""

    async def job_waiting(self, job: Job, *, throttled: bool) -> None:
        """Say nothing: the worker's line says when the job is tried again, and why."""

    async def job_finished(self, job: Job) -> None:
        """Log one line per finished job, with its counts per kind."""
        outcome = job.outcome or {}
        counts = "; ".join(
            f"{kind}: {data.get('imported', 0)} imported"
            for kind, data in outcome.items()
            if isinstance(data, Mapping)
        )
        log.info(
            "import job %s (%s) %s%s%s",
            job.id,
            job.origin.value,
            job.status.value,
            f": {counts}" if counts else "",
            f" ({job.error})" if job.error else "",
        )


_: JobNotifier = LogNotifier()
