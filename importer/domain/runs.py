"""Import runs: one import of one kind for one account, its lease, checkpoints and lock (R8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from importer.domain.model import Counts, Kind, Skipped


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportRun:
    """One import of one kind for one account, with its lease and latest counts."""

    id: str
    account_id: str
    kind: Kind
    realm_id: str
    status: RunStatus
    owner: str
    lease_expires_at: datetime
    started_at: datetime
    finished_at: datetime | None = None
    counts: Counts = field(default_factory=Counts)
    total: int | None = None
    pages: int = 0
    next_position: str | None = None
    error: str | None = None


def run_lock(account_id: str, kind: Kind) -> str:
    """Return the value held by the one running import of an account and kind (R8)."""
    return f"{account_id}:{kind.value}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a run has done after a batch of pages: cumulative counts, the batch's skips (kept
    under page_no, the number of pages done), where to go on."""

    page_no: int
    next_position: str | None
    counts: Counts
    skipped: Sequence[Skipped] = ()
    total: int | None = None
