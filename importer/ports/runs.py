"""Import runs: R8's lock, leases, checkpoints, and what a run skipped."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from importer.domain.model import Kind, Skipped
from importer.domain.runs import Checkpoint, ImportRun, RunStatus


class RunHistory(Protocol):
    """Runs as people look at them: the newest first, one by id, and their skipped names."""

    async def get_run(self, run_id: str) -> ImportRun | None:
        """Return the run with this id."""
        ...

    async def list_runs(
        self, account_id: str, kind: Kind | None = None, limit: int = 10
    ) -> list[ImportRun]:
        """Return the newest runs first."""
        ...

    async def skipped_entries(
        self, run_id: str, limit: int = 100, offset: int = 0
    ) -> list[Skipped]:
        """Return a run's skipped names with their reasons, in the order met."""
        ...


class RunStore(RunHistory, Protocol):
    """What the import engine needs to run one import at a time and resume it after a crash."""

    async def begin_run(
        self, account_id: str, kind: Kind, realm_id: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        """Start a run; raise RunInProgress with the running one if there is one (R8)."""
        ...

    async def take_over_run(
        self, run_id: str, old_owner: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        """Move a stale run to a new owner; raise RunInProgress if someone else moved first."""
        ...

    async def renew_lease(self, run_id: str, owner: str, lease_until: datetime) -> None:
        """Extend the lease; raise LeaseLost when the run has another owner."""
        ...

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        """Store a batch's outcome; raise LeaseLost if not the owner."""
        ...

    async def finish_run(
        self, run_id: str, owner: str, status: RunStatus, error: str | None = None
    ) -> ImportRun:
        """Mark the run finished and release its account+kind lock."""
        ...
