"""QBO's per-company request limits, kept on our side: requests in flight and per rolling minute."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# Intuit: 500 requests per minute per realm, and more than 10 concurrent requests → 429 (§5.1).
MAX_IN_FLIGHT = 10
PER_MINUTE = 500
WINDOW_SECONDS = 60.0


class RealmLimiter:
    """Admit requests to one QBO company within the concurrency and per-minute budgets."""

    def __init__(
        self,
        max_in_flight: int = MAX_IN_FLIGHT,
        per_minute: int = PER_MINUTE,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        if max_in_flight < 1 or per_minute < 1:
            raise ValueError("limits must allow at least one request")
        self.max_in_flight = max_in_flight
        self.per_minute = per_minute
        self._window = window_seconds
        self._in_flight = asyncio.Semaphore(max_in_flight)
        # A request spends the minute's budget from the moment QBO receives it, which is some
        # time between our sending it and its answer coming back. Counted from the answer, a
        # request let out a minute later is sure to reach QBO more than a minute after it;
        # counted from the sending, it may arrive a little early and be refused (429), which
        # costs a wait of a minute. Requests still unanswered count in full meanwhile.
        self._unanswered = 0
        self._answered: deque[float] = deque()
        self._answer = asyncio.Event()
        self._turn = asyncio.Lock()
        self._resume_at = 0.0

    def hold(self, seconds: float) -> None:
        """Admit nothing new for this long: QBO said the company is throttled."""
        now = asyncio.get_running_loop().time()
        self._resume_at = max(self._resume_at, now + seconds)

    async def _admit(self) -> None:
        loop = asyncio.get_running_loop()
        # One waiter at a time keeps admission first-come, first-served.
        async with self._turn:
            while True:
                now = loop.time()
                while self._answered and self._answered[0] <= now - self._window:
                    self._answered.popleft()
                wait = self._resume_at - now
                if len(self._answered) + self._unanswered >= self.per_minute:
                    if not self._answered:
                        # The whole budget is in flight: its minute starts with an answer.
                        self._answer.clear()
                        await self._answer.wait()
                        continue
                    wait = max(wait, self._answered[0] + self._window - now)
                if wait <= 0:
                    self._unanswered += 1
                    return
                await asyncio.sleep(wait)

    def _answered_now(self) -> None:
        self._unanswered -= 1
        self._answered.append(asyncio.get_running_loop().time())
        self._answer.set()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot for the duration of the block (the request and its answer)."""
        async with self._in_flight:
            await self._admit()
            try:
                yield
            finally:
                self._answered_now()


class RealmLimits:
    """One limiter per QBO company, shared by every client of that company in this process."""

    def __init__(
        self,
        max_in_flight: int = MAX_IN_FLIGHT,
        per_minute: int = PER_MINUTE,
        window_seconds: float = WINDOW_SECONDS,
    ) -> None:
        self.max_in_flight = max_in_flight
        self.per_minute = per_minute
        self._window = window_seconds
        self._limiters: dict[str, RealmLimiter] = {}

    def for_realm(self, realm_id: str) -> RealmLimiter:
        """Return the limiter of a company, making it on first use."""
        limiter = self._limiters.get(realm_id)
        if limiter is None:
            limiter = RealmLimiter(self.max_in_flight, self.per_minute, self._window)
            self._limiters[realm_id] = limiter
        return limiter
