"""Import requests as durable jobs (J3 from Slack, `--detach` on the command line, J7)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from importer.domain.errors import JobInProgress
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.model import Account, Kind
from importer.domain.plans import Plans
from importer.ports.clock import Clock, utcnow
from importer.ports.jobs import JobQueue
from importer.ports.notify import JobNotifier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobRequest:
    """A job asked for: the new one, or the active one that already covers a kind (R8)."""

    job: Job
    already_active: bool


class JobService:
    """Queue imports for the workers and tell where they stand."""

    def __init__(self, queue: JobQueue, plans: Plans, *, clock: Clock = utcnow) -> None:
        self._queue = queue
        self._plans = plans
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
        """Queue an import; asking again while one is active returns the active one (R8)."""
        self._plans.require_qbo(account)
        job = Job(
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
            else {kind.value: tuple(ids) for kind, ids in record_ids.items()},
        )
        try:
            queued = await self._queue.enqueue_job(job)
        except JobInProgress as busy:
            return JobRequest(busy.job, already_active=True)
        log.info("queued import job %s of %s", queued.id, ", ".join(kinds))
        return JobRequest(queued, already_active=False)

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
