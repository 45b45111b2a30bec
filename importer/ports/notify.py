"""Who hears about jobs: the Slack app (progress messages, summaries, the auto-import digest) or,
until one is configured, the log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from importer.domain.jobs import Job


class JobNotifier(Protocol):
    """Told when a job starts, while it runs (at most every few seconds) and when it ends."""

    async def job_started(self, job: Job) -> Mapping[str, Any] | None:
        """A worker took the job; return what to keep in its reply_to (a message to edit)."""
        ...

    async def job_progress(self, job: Job, progress: Mapping[str, Any]) -> None:
        """The job's counts so far, per kind."""
        ...

    async def job_waiting(self, job: Job, *, throttled: bool) -> None:
        """The job was queued again, to be tried at job.not_before (error says why): QuickBooks
        did not answer, or limited requests (throttled), beyond what a run tries again."""
        ...

    async def job_finished(self, job: Job) -> None:
        """The job ended (succeeded or failed for good); its outcome and error are set."""
        ...
