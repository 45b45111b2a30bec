"""The ids a log line carries (request, job, run), set where the work starts, read by the log."""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
JOB_ID: ContextVar[str | None] = ContextVar("job_id", default=None)
RUN_ID: ContextVar[str | None] = ContextVar("run_id", default=None)

IDS = {"request_id": REQUEST_ID, "job_id": JOB_ID, "run_id": RUN_ID}


def current_ids() -> dict[str, str]:
    """Return the ids set for the work in hand."""
    return {name: value for name, var in IDS.items() if (value := var.get()) is not None}
