"""A connected QBO company as a RecordSource: pages in Id order, later pages fetched ahead."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable

from importer.domain.model import Kind
from importer.domain.rules import Candidate
from importer.ports.source import SourcePage
from qbo.client import PAGE_SIZE, QboClient
from qbo.mapping import client_from_customer, item_from_qbo
from qbo.schema import decode_customers, decode_items


def _clients(body: bytes) -> list[Candidate]:
    return [client_from_customer(customer) for customer in decode_customers(body)]


def _items(body: bytes) -> list[Candidate]:
    return [item_from_qbo(item) for item in decode_items(body)]


Decoder = Callable[[bytes], list[Candidate]]

# Each page is decoded and mapped in one step, off the event loop when it is big.
ENTITIES: dict[Kind, tuple[str, Decoder]] = {
    Kind.CLIENTS: ("Customer", _clients),
    Kind.ITEMS: ("Item", _items),
}

Candidates = list[Candidate]


class QboSource:
    """Read a company's Customers (clients) or Items (items), all of them, active or not."""

    def __init__(self, client: QboClient, *, page_size: int = PAGE_SIZE, ahead: int | None = None):
        self._client = client
        self._page_size = page_size
        # Keep more pages queued than QBO lets run at once, so a slot freed by any page is
        # refilled at once instead of waiting for the oldest page; the limiter keeps QBO's limits.
        default = 3 * client.limiter.max_in_flight
        self._ahead = max(1, ahead if ahead is not None else default)
        self._counted: dict[Kind, int] = {}
        self._first: dict[Kind, asyncio.Task[Candidates]] = {}

    def __repr__(self) -> str:
        return f"QboSource(realm_id={self.realm_id!r})"

    @property
    def client(self) -> QboClient:
        """The API client the pages are read with."""
        return self._client

    @property
    def realm_id(self) -> str:
        """The QBO company the records come from."""
        return self._client.realm_id

    async def count(self, kind: Kind) -> int | None:
        """Return how many Customers or Items the company holds, inactive ones included."""
        entity, decode = ENTITIES[kind]
        if kind not in self._first:
            # The first page goes out with the count: both come back after one round trip.
            self._first[kind] = asyncio.ensure_future(self._read(entity, decode, 1))
        try:
            total = await self._client.count(entity)
        except BaseException:
            self._cancel(deque([(1, self._first.pop(kind))]))
            raise
        self._counted[kind] = total
        return total

    async def _read(self, entity: str, decode: Decoder, at: int) -> Candidates:
        # Decode and map as each page arrives, not in order: the work spreads over the waits.
        return await self._client.records(entity, decode, at, self._page_size)

    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        """Yield pages in Id order from start (a position a page returned), or from the first."""
        entity, decode = ENTITIES[kind]
        size = self._page_size
        position = int(start) if start else 1
        # The count only plans the prefetching, so the one count() just made will do.
        total = self._counted.pop(kind, None)
        if total is None:
            total = await self._client.count(entity)
        # Positions the count promises, and, when they end on a full page, the page after it:
        # QBO's stop rule is a short or empty page (§3.2), and that page goes out with the
        # others rather than after them. Records created after the count land there; should
        # it come back full, pages are probed one at a time until a short one.
        counted_end = total + 1
        planned = deque(range(position, counted_end + 1, size))
        fetching: deque[tuple[int, asyncio.Task[Candidates]]] = deque()
        first = self._first.pop(kind, None)
        if first is not None and planned and planned[0] == 1:
            fetching.append((planned.popleft(), first))
        elif first is not None:
            self._cancel(deque([(1, first)]))

        def fetch(at: int) -> None:
            fetching.append((at, asyncio.ensure_future(self._read(entity, decode, at))))

        try:
            while True:
                while planned and len(fetching) < self._ahead:
                    fetch(planned.popleft())
                if not fetching:
                    fetch(position)
                at, task = fetching.popleft()
                if at != position:
                    # A short page before the counted end: positions moved; drop guesses.
                    self._cancel(fetching)
                    planned.clear()
                    continue
                candidates = await task
                position = at + len(candidates)
                # Stop on a missing array or a short page, never on maxResults (§3.2), unless
                # the count promised records beyond it.
                last = len(candidates) < size and position >= counted_end
                if len(candidates) < size and not last:
                    self._cancel(fetching)
                    planned.clear()
                yield SourcePage(
                    candidates=candidates,
                    next_position=None if last else str(position),
                )
                if last:
                    return
        finally:
            self._cancel(fetching)

    @staticmethod
    def _cancel(fetching: deque[tuple[int, asyncio.Task[Candidates]]]) -> None:
        while fetching:
            task = fetching.popleft()[1]
            if task.done() and not task.cancelled():
                task.exception()  # a failure nobody waits for any more is not news
            task.cancel()
