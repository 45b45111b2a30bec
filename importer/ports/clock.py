"""The clock as a port: services and adapters take one, tests pass a clock they move by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC (the real clock)."""
    return datetime.now(UTC)
