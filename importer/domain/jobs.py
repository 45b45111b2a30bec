"""Import jobs: an import request kept in the store until a worker has carried it out.

A job asks for one or both kinds for an account (or, for auto-import, for some QBO records by
id). Workers claim jobs under a lease; one that dies is replaced and the job resumes from its
runs' checkpoints. Transient failures are retried with backoff, then the job fails with a
reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from importer.domain.messages import N_, Msgid, Text
from importer.domain.model import Kind
from importer.domain.runs import run_lock


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def word(self) -> Msgid:
        """The status as a person reads it."""
        return _STATUS_WORDS[self]


class JobOrigin(StrEnum):
    """Who asked: a person on the command line or in Slack, or auto-import (J7)."""

    COMMAND = "command"
    SLACK = "slack"
    AUTO_IMPORT = "auto_import"

    @property
    def word(self) -> Msgid:
        """Who asked, as a person reads it."""
        return _ORIGIN_WORDS[self]


_STATUS_WORDS = {
    JobStatus.QUEUED: N_("queued"),
    JobStatus.RUNNING: N_("running"),
    JobStatus.SUCCEEDED: N_("succeeded"),
    JobStatus.FAILED: N_("failed"),
}
_ORIGIN_WORDS = {
    JobOrigin.COMMAND: N_("command line"),
    JobOrigin.SLACK: N_("Slack"),
    JobOrigin.AUTO_IMPORT: N_("auto-import"),
}


# After this many attempts a job that keeps meeting transient failures fails for good.
MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Job:
    """One import request and where it stands."""

    id: str
    account_id: str
    kinds: tuple[Kind, ...]
    origin: JobOrigin
    status: JobStatus
    created_at: datetime
    attempts: int = 0
    owner: str | None = None
    lease_expires_at: datetime | None = None
    not_before: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # Why it failed, or why it waits to be tried again: a message a person reads in their
    # language (str() is its English sentence, for logs and --json).
    error: Text | None = None
    # The import's summary per kind (ImportReport.as_json), and its counts so far while running.
    outcome: Mapping[str, Any] | None = None
    progress: Mapping[str, Any] | None = None
    # Auto-import reads only these QBO records (per kind value); None means every record.
    record_ids: Mapping[str, tuple[str, ...]] | None = None
    requested_by: str | None = None
    # Where to tell people about the job (a Slack channel, a message to edit, a locale …).
    reply_to: Mapping[str, Any] = field(default_factory=dict)

    @property
    def locks(self) -> list[str]:
        """The values one active job per account and kind holds (R8 across processes)."""
        return job_locks(self.account_id, self.kinds)


def job_locks(account_id: str, kinds: tuple[Kind, ...]) -> list[str]:
    """Return the R8 lock values of an account's kinds."""
    return [run_lock(account_id, kind) for kind in kinds]


def retry_delay(attempts: int) -> timedelta:
    """Return how long a job waits after its attempts-th transient failure: 5 s, 20 s, 80 s…"""
    return timedelta(seconds=min(5 * 4 ** max(0, attempts - 1), 900))
