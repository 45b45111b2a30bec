"""Per-realm request limits: concurrent requests in flight and requests per rolling minute."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Realm:
    in_flight: int = 0
    recent: deque[float] = field(default_factory=deque)
    # The most requests admitted in flight at once: what a test checks a client keeps under.
    peak_in_flight: int = 0


@dataclass
class Throttle:
    """Admit or refuse API requests per realm, like Intuit's 10-concurrent / 500-a-minute rule."""

    max_in_flight: int = 10
    per_minute: int = 500
    clock: Callable[[], float] = time.monotonic
    realms: dict[str, _Realm] = field(default_factory=dict)
    refused: int = 0

    def admit(self, realm_id: str) -> bool:
        """Take a slot for one request; False means answer 429 (the slot is not taken)."""
        realm = self.realms.setdefault(realm_id, _Realm())
        now = self.clock()
        while realm.recent and realm.recent[0] <= now - 60:
            realm.recent.popleft()
        if realm.in_flight >= self.max_in_flight or len(realm.recent) >= self.per_minute:
            self.refused += 1
            return False
        realm.in_flight += 1
        realm.peak_in_flight = max(realm.peak_in_flight, realm.in_flight)
        realm.recent.append(now)
        return True

    def peak_in_flight(self, realm_id: str) -> int:
        """Return the most requests to the company that were in flight at once."""
        realm = self.realms.get(realm_id)
        return 0 if realm is None else realm.peak_in_flight

    def release(self, realm_id: str) -> None:
        """Give back the slot of a finished request."""
        self.realms[realm_id].in_flight -= 1
