"""What the import engine reads from: a source of pages of candidates, resumable by position."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from importer.domain.model import Kind
from importer.domain.rules import Candidate

# Told, before the source waits, how many seconds QBO makes it wait (a 429: it limits requests).
PauseListener = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One page of records, and where the page after it starts (None: this was the last)."""

    candidates: Sequence[Candidate]
    next_position: str | None


class RecordSource(Protocol):
    """A QBO company (or a stand-in) read page by page, in a stable order (QBO Id ascending)."""

    @property
    def realm_id(self) -> str:
        """The QBO company the records come from."""

    async def count(self, kind: Kind) -> int | None:
        """Return how many records (active and inactive) the source holds, if it knows."""

    def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        """Yield pages in order, from the beginning or from a position a page returned."""
