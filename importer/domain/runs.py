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


class RunRead(StrEnum):
    """What a run reads, which tells what its checkpoint's position means: a full read of the
    company (a full import), or only some records by QBO Id (auto-import, J7). A run resumes
    only a run of the same read."""

    FULL = "full"
    BY_ID = "by_id"


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
    read: RunRead = RunRead.FULL


def run_lock(account_id: str, kind: Kind) -> str:
    """Return the value held by the one running import of an account and kind (R8)."""
    return f"{account_id}:{kind.value}"


# QBO's longest name (a customer's DisplayName) is 500 characters: a skipped name is kept whole up
# to that and cut beyond, so a pathological name cannot make a checkpoint too big to store.
MAX_SKIPPED_NAME = 500


def kept_skip(entry: Skipped) -> Skipped:
    """Return the skipped entry as a checkpoint keeps it: its QBO id whole, its name cut."""
    if len(entry.name) <= MAX_SKIPPED_NAME:
        return entry
    return Skipped(entry.qbo_id, entry.name[: MAX_SKIPPED_NAME - 1] + "…", entry.reason)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a run has done after a batch of pages: cumulative counts, the batch's skips (kept
    under page_no, the number of pages done; names cut to MAX_SKIPPED_NAME), where to go on."""

    page_no: int
    next_position: str | None
    counts: Counts
    skipped: Sequence[Skipped] = ()
    total: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "skipped", tuple(kept_skip(entry) for entry in self.skipped))
