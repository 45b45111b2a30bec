"""Pages as the engine writes them: the next page, with every page already read behind it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

from importer.domain.rules import Candidate
from importer.ports.source import SourcePage


@dataclass(frozen=True, slots=True)
class Batch:
    """Pages read in a row, written as one: their candidates and where the page after starts."""

    pages: int
    candidates: list[Candidate]
    next_position: str | None


_END = object()


async def batches(pages: AsyncIterator[SourcePage], max_pages: int) -> AsyncGenerator[Batch, None]:
    """Yield the pages in order, as they come: the next page and every page read behind it.

    The source is read in a task of its own, never waiting for writes. A batch holds one page
    while writing keeps up and grows (to max_pages) when it falls behind, so one look-up,
    insert and checkpoint carry several pages: less work per record exactly when it counts.
    """
    ready: asyncio.Queue[Any] = asyncio.Queue(max(1, max_pages))

    async def read() -> None:
        try:
            async for page in pages:
                await ready.put(page)
        except Exception as error:
            await ready.put(error)
        finally:
            aclose = getattr(pages, "aclose", None)
            if aclose is not None:
                await aclose()
        await ready.put(_END)

    reader = asyncio.ensure_future(read())
    try:
        while True:
            taken: list[SourcePage] = []
            item = await ready.get()
            while isinstance(item, SourcePage):
                taken.append(item)
                item = None if len(taken) == max_pages or ready.empty() else ready.get_nowait()
            if taken:
                candidates = [c for page in taken for c in page.candidates]
                yield Batch(len(taken), candidates, taken[-1].next_position)
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
    finally:
        if not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
