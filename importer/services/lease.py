"""Who runs an import, and when another worker may take a run over (a crashed or stopped owner)."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime

from importer.domain.runs import ImportRun


def worker_identity() -> str:
    """Return an owner name unique to this worker: host, process id and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_is_gone(owner: str) -> bool:
    """Tell whether the owner was a process on this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    return not _process_alive(int(pid_text))


def is_stale(run: ImportRun, now: datetime) -> bool:
    """Tell whether a running import may be taken over: its lease ran out or its process died."""
    return run.lease_expires_at <= now or owner_is_gone(run.owner)
