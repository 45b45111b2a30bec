"""The job queue: durable import requests, claimed by workers under a renewed lease."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from importer.domain.jobs import Job, JobStatus
from importer.domain.messages import Text


class JobQueue(Protocol):
    """Jobs in the store; every method is one atomic step, safe with many workers."""

    async def enqueue_job(self, job: Job) -> Job:
        """Keep a new queued job; raise JobInProgress with the active job holding a kind (R8)."""
        ...

    async def claim_job(self, owner: str, lease_seconds: float) -> Job | None:
        """Take the next job to run, or None.

        First a running job whose lease ran out (its worker died), then the oldest queued job
        that is due, never a second running job of the same account (QBO's limits are per
        company). The lease is judged and set by the store's clock.
        """
        ...

    async def renew_job(self, job_id: str, owner: str, lease_seconds: float) -> None:
        """Extend the lease; raise LeaseLost when another worker holds the job."""
        ...

    async def save_job_progress(self, job_id: str, owner: str, progress: Mapping[str, Any]) -> None:
        """Keep the job's counts so far; raise LeaseLost when another worker holds the job."""
        ...

    async def save_job_reply(self, job_id: str, owner: str, reply_to: Mapping[str, Any]) -> None:
        """Keep where the job's messages are (a channel, a message to edit); LeaseLost if not
        the owner."""
        ...

    async def requeue_job(
        self, job_id: str, owner: str, not_before: datetime, error: Text | None
    ) -> Job:
        """Hand a job back: queued again, due at not_before (a retry, or a worker stopping)."""
        ...

    async def finish_job(
        self,
        job_id: str,
        owner: str,
        status: JobStatus,
        *,
        error: Text | None = None,
        outcome: Mapping[str, Any] | None = None,
    ) -> Job:
        """End a job (succeeded or failed) and free its kinds; LeaseLost if not the owner."""
        ...

    async def running_jobs(self) -> list[Job]:
        """Return the jobs workers hold now."""
        ...

    async def release_job(self, job_id: str, owner: str) -> bool:
        """End a dead owner's lease now (only if it still holds the job): the job is free."""
        ...

    async def get_job(self, job_id: str) -> Job | None:
        """Return the job with this id."""
        ...

    async def list_jobs(self, account_id: str | None = None, limit: int = 20) -> list[Job]:
        """Return the newest jobs first, of one account or of all."""
        ...
