"""A job as a stored document, the same for both stores but for how times are kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.messages import Text, from_data, to_data
from importer.domain.model import Kind

TimeIn = Callable[[datetime], Any]
TimeOut = Callable[[Any], datetime | None]


def job_to_doc(job: Job, time_in: TimeIn) -> dict[str, Any]:
    """Return a job's stored fields (without its id)."""

    def when(value: datetime | None) -> Any:
        return None if value is None else time_in(value)

    return {
        "account_id": job.account_id,
        "kinds": [kind.value for kind in job.kinds],
        "origin": job.origin.value,
        "status": job.status.value,
        "created_at": time_in(job.created_at),
        "attempts": job.attempts,
        "owner": job.owner,
        "lease_expires_at": when(job.lease_expires_at),
        "not_before": when(job.not_before),
        "started_at": when(job.started_at),
        "finished_at": when(job.finished_at),
        "error": error_data(job.error),
        "outcome": None if job.outcome is None else dict(job.outcome),
        "progress": None if job.progress is None else dict(job.progress),
        "record_ids": None
        if job.record_ids is None
        else {kind: list(ids) for kind, ids in job.record_ids.items()},
        "requested_by": job.requested_by,
        "reply_to": dict(job.reply_to),
    }


def error_data(error: Text | None) -> dict[str, Any] | None:
    """Return why a job failed as stored: a message as plain data."""
    return None if error is None else to_data(error)


def job_from_doc(job_id: str, doc: Mapping[str, Any], time_out: TimeOut) -> Job:
    """Build a job from its stored fields."""
    created = time_out(doc["created_at"])
    assert created is not None
    record_ids = doc.get("record_ids")
    return Job(
        id=job_id,
        account_id=doc["account_id"],
        kinds=tuple(Kind(kind) for kind in doc["kinds"]),
        origin=JobOrigin(doc["origin"]),
        status=JobStatus(doc["status"]),
        created_at=created,
        attempts=int(doc.get("attempts") or 0),
        owner=doc.get("owner"),
        lease_expires_at=time_out(doc.get("lease_expires_at")),
        not_before=time_out(doc.get("not_before")),
        started_at=time_out(doc.get("started_at")),
        finished_at=time_out(doc.get("finished_at")),
        error=None if doc.get("error") is None else from_data(doc["error"]),
        outcome=doc.get("outcome"),
        progress=doc.get("progress"),
        record_ids=None
        if record_ids is None
        else {kind: tuple(ids) for kind, ids in record_ids.items()},
        requested_by=doc.get("requested_by"),
        reply_to=doc.get("reply_to") or {},
    )
