"""Who runs an import, and whether the process that ran one is known to be gone."""

from __future__ import annotations

import os
import socket
import uuid


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
