"""A connected QBO company as a RecordSource: pages in Id order, later pages fetched ahead.

QBO pages by position only (STARTPOSITION; Id takes no `>`), and a merge in QuickBooks deletes
a record, moving every later one down a position. Each page therefore overlaps the one before
by a few records, and a page that does not reach back to the last record read means records
slipped past the read: it steps back. A position is `"<next position> after <last Id read>"`,
so a resumed import checks the same way, whatever was merged while it was stopped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from importer.domain.errors import ServerError
from importer.domain.messages import N_
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

# Records each page reads again from the page before it. Up to OVERLAP - 1 records merged away
# between two page requests cost nothing; more cost one request stepping back per page moved.
OVERLAP = 10
# Pages in a row bringing nothing new: more than this and QBO is not paging as it says.
MAX_IDLE_PAGES = 3
_AFTER = " after "


def page_start(page: int, page_size: int = PAGE_SIZE, overlap: int = OVERLAP) -> int:
    """Return the STARTPOSITION of a read's page (1 for the first) when nothing moves."""
    return 1 + (page - 1) * (page_size - overlap)


def _parse_position(text: str | None) -> tuple[int, int | None]:
    """Return the next position and the last Id read; a bare number is an older checkpoint."""
    if not text:
        return 1, None
    position, _, last = text.partition(_AFTER)
    return int(position), int(last) if last else None


def _format_position(position: int, last: int | None) -> str:
    return str(position) if last is None else f"{position}{_AFTER}{last}"


def _start(position: int, last: int | None, overlap: int) -> int:
    """Return where to ask for the page after position: a little before it, to check."""
    return position if last is None else max(1, position - overlap)


def _number(qbo_id: str) -> int | None:
    # QBO Ids are decimal digits; anything else takes no part in the ordering checks.
    return int(qbo_id) if qbo_id.isascii() and qbo_id.isdigit() else None


def _reaches(candidates: Candidates, last: int) -> bool:
    """Say whether a page holds a record at or before the last one read."""
    return any((n := _number(c.qbo_id)) is not None and n <= last for c in candidates)


def _after(candidates: Candidates, last: int) -> Candidates:
    """Return the page's records not read yet."""
    return [c for c in candidates if (n := _number(c.qbo_id)) is None or n > last]


def _last_id(candidates: Candidates, last: int | None) -> int | None:
    numbers = [n for c in candidates if (n := _number(c.qbo_id)) is not None]
    return max(numbers) if numbers else last


class QboSource:
    """Read a company's Customers (clients) or Items (items), all of them, active or not."""

    def __init__(
        self,
        client: QboClient,
        *,
        page_size: int = PAGE_SIZE,
        ahead: int | None = None,
        overlap: int = OVERLAP,
    ):
        if not 1 <= overlap < page_size:
            raise ValueError("pages must overlap by at least one record and less than a page")
        self._client = client
        self._page_size = page_size
        self._overlap = overlap
        slots = client.limiter.max_in_flight
        # Keep more pages queued than QBO lets run at once, so a slot freed by any page is
        # refilled at once instead of waiting for the oldest page; the limiter keeps QBO's limits.
        self._ahead = max(1, ahead if ahead is not None else 3 * slots)
        # Until QuickBooks has counted a kind, its read asks for a first wave of pages without
        # waiting: with the count, each kind's share of the company's request slots, so that
        # `import all` fills them all in its first round trip. A company smaller than the wave
        # answers the pages past its end empty, in the same round trip: requests, not time.
        self._first_wave = max(1, min(self._ahead, slots // len(ENTITIES) - 1))
        self._counting: dict[Kind, asyncio.Task[int]] = {}
        self._asked: dict[Kind, int] = {}  # count() calls waiting for each kind's count

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
        """Return how many Customers or Items the company holds, inactive ones included.

        A read of the kind under way, or the next one, uses the same answer to plan how far
        to fetch ahead; neither waits for it to begin.
        """
        self._asked[kind] = self._asked.get(kind, 0) + 1
        try:
            return await self._count(kind)
        finally:
            self._asked[kind] -= 1

    def _count(self, kind: Kind) -> asyncio.Task[int]:
        task = self._counting.get(kind)
        if task is None:
            task = self._counting[kind] = asyncio.ensure_future(
                self._client.count(ENTITIES[kind][0])
            )
        return task

    async def _read(self, entity: str, decode: Decoder, at: int) -> Candidates:
        # Decode and map as each page arrives, not in order: the work spreads over the waits.
        return await self._client.records(entity, decode, at, self._page_size)

    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        """Yield pages in Id order from start (a position a page returned), or from the first.

        Each page is asked from a few positions before the previous one ended, so it must begin
        with a record already read: then no record was skipped, even when a merge in QuickBooks
        moved later records down between the two requests (or while the import was stopped).
        When it does not, the read steps back. A short page that passes this check is the end
        of the list, whatever the count said; the count only plans how far to fetch ahead.
        """
        entity, decode = ENTITIES[kind]
        size, overlap = self._page_size, self._overlap
        step = size - overlap
        position, last = _parse_position(start)
        # The count plans how far to fetch ahead; the read does not wait for it to begin.
        counting = self._count(kind)
        # Positions the count promises, and the page after them when they end on a full page:
        # QBO's stop rule is a short or empty page (§3.2). Records created after the count are
        # read too: while pages come back full, they are asked for one at a time.
        counted_end: int | None = None

        def counted() -> bool:
            nonlocal counted_end
            if counted_end is None and counting.done():
                counted_end = counting.result() + 1  # a failed count fails the read
            return counted_end is not None

        def plan(at: int) -> deque[int]:
            starts = deque([at])
            if counted_end is None:  # not counted yet: the first wave
                while len(starts) < self._first_wave:
                    at += step
                    starts.append(at)
            else:
                while at + size <= counted_end:
                    at += step
                    starts.append(at)
            return starts

        counted()
        ask = _start(position, last, overlap)
        planned = plan(ask)
        fetching: deque[tuple[int, asyncio.Task[Candidates]]] = deque()

        def fetch(at: int) -> None:
            fetching.append((at, asyncio.ensure_future(self._read(entity, decode, at))))

        idle = 0
        try:
            while True:
                if counted_end is None:
                    if not fetching and not planned:
                        await asyncio.wait([counting])  # the first wave is read: count decides
                    if counted() and (fetching or planned):
                        # Plan on from the last page asked for, as far as the count says.
                        more = plan(planned[-1] if planned else fetching[-1][0])
                        more.popleft()
                        planned.extend(more)
                if not fetching and not planned:
                    planned = plan(ask)
                while planned and len(fetching) < self._ahead:
                    fetch(planned.popleft())
                at, task = fetching.popleft()
                if at != ask:
                    # The pages fetched ahead were guesses for a list that has moved: drop them.
                    fetching.appendleft((at, task))
                    self._cancel(fetching)
                    planned.clear()
                    continue
                candidates = await task
                if last is not None and at > 1 and not _reaches(candidates, last):
                    # Records moved down past the last one read (a merge removed lower Ids), so
                    # some now sit before this page: step back until a page meets what was read.
                    self._cancel(fetching)
                    planned.clear()
                    ask = max(1, at - step)
                    continue
                new = candidates if last is None else _after(candidates, last)
                position = at + len(candidates)
                last = _last_id(new, last)
                ask = _start(position, last, overlap)
                # Stop on a short or empty page, never on maxResults (§3.2).
                end = len(candidates) < size
                idle = 0 if new else idle + 1
                if idle > MAX_IDLE_PAGES:
                    raise ServerError(
                        N_(
                            "QuickBooks kept answering {entity} records already read "
                            "(position {position}); the import stopped rather than read them again"
                        ),
                        entity=entity,
                        position=str(at),
                    )
                if new or end:
                    yield SourcePage(new, None if end else _format_position(position, last))
                if end:
                    return
        finally:
            self._cancel(fetching)
            # The next read of this kind counts again: the company may have changed by then.
            if self._counting.get(kind) is counting:
                del self._counting[kind]
            if not self._asked.get(kind):  # nobody waits for the count: it ends with the read
                _drop(counting)

    @staticmethod
    def _cancel(fetching: deque[tuple[int, asyncio.Task[Candidates]]]) -> None:
        while fetching:
            _drop(fetching.popleft()[1])


def _drop(task: asyncio.Task[Any]) -> None:
    """Cancel a request nobody waits for any more; a failure it met is not news."""
    if task.done() and not task.cancelled():
        task.exception()
    task.cancel()
