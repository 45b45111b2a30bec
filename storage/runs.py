"""What both stores share about import runs: the run about to start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from importer.domain.messages import N_
from importer.domain.model import Kind
from importer.domain.runs import ImportRun, RunRead, RunStatus

# What a worker that lost its run is told (LeaseLost); the command line prints it.
LOST = N_(
    "import run {run_id} was cancelled or taken over by another worker; this one stopped "
    "without writing more"
)


def new_run(
    account_id: str,
    kind: Kind,
    realm_id: str,
    owner: str,
    lease_until: datetime,
    now: datetime,
    read: RunRead = RunRead.FULL,
) -> ImportRun:
    """Return a run about to start: running, owned, with a fresh id."""
    return ImportRun(
        id=uuid.uuid4().hex,
        account_id=account_id,
        kind=kind,
        realm_id=realm_id,
        status=RunStatus.RUNNING,
        owner=owner,
        lease_expires_at=lease_until.astimezone(UTC),
        started_at=now,
        read=read,
    )
