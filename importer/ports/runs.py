"""Import runs: R8's lock, leases, checkpoints, and what a run skipped."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from importer.domain.model import Kind, Skipped
from importer.domain.runs import Checkpoint, ImportRun, RunRead, RunStatus


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
    """What the import engine needs to run one import at a time and resume it after a crash or
    a failure.

    R8's lock (one per account and kind) is held by the running run, and by a failed run until
    the next import resumes it (take_over_run) or ends it for good (end_run, cancel_run): so a
    failure is resumed from its checkpoint, and the database still lets one run at a time hold
    the account and kind. Leases are durations: the store dates them by its own clock (the
    database server's on MongoDB), so a worker's skewed clock can neither shorten a live run's
    lease nor judge it stale.
    """

    async def begin_run(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        owner: str,
        lease: timedelta,
        *,
        read: RunRead = RunRead.FULL,
    ) -> ImportRun:
        """Start a run of this read holding the lock for `lease`; raise RunInProgress with the
        run that holds the lock (running, or failed and resumable) if there is one (R8)."""
        ...

    async def take_over_run(
        self, seen: ImportRun, owner: str, lease: timedelta, *, owner_gone: bool = False
    ) -> ImportRun:
        """Resume a run for a new owner, running again for `lease`, if it is still as seen (one
        compare-and-set on its owner, lease and status) and may be taken: a failed run, or a
        running one whose lease ran out by the store's clock (at once when owner_gone: its
        process is known dead). Raise RunInProgress with the run as it is otherwise."""
        ...

    async def end_run(self, seen: ImportRun, reason: str, *, owner_gone: bool = False) -> ImportRun:
        """End a run that may be taken (as take_over_run judges it) as failed for good, with
        reason, and release its lock. Raise RunInProgress with the run as it is otherwise."""
        ...

    async def cancel_run(self, account_id: str, kind: Kind, reason: str) -> ImportRun | None:
        """End the run holding the account and kind's lock, live or not, as failed for good with
        reason (its worker then gets LeaseLost); return it as ended, None if none held it."""
        ...

    async def renew_lease(self, run_id: str, owner: str, lease: timedelta) -> None:
        """Extend the lease to `lease` from now; raise LeaseLost when the run is no longer this
        owner's running run. A lease of zero hands the run over at once."""
        ...

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        """Store a batch's outcome; raise LeaseLost if not the owner, and then change nothing."""
        ...

    async def finish_run(
        self, run_id: str, owner: str, status: RunStatus, error: str | None = None
    ) -> ImportRun:
        """Mark the run finished; raise LeaseLost if not the owner. A succeeded run releases the
        account and kind's lock; a failed one keeps it, for the next import to resume."""
        ...
