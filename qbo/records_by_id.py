"""Some records of a connected company, by QBO Id, as a RecordSource (auto-import, J7).

A webhook names the customers and items that changed; auto-import reads just those, in Id order,
through the same engine and rules as a full import.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence

from importer.domain.model import Kind
from importer.ports.source import SourcePage
from qbo.client import ALL_RECORDS, PAGE_SIZE, QboClient, quote_literal
from qbo.source import ENTITIES


def _id_order(qbo_id: str) -> tuple[int, str]:
    # QBO Ids are numeric strings: numeric order, anything else after them.
    return (int(qbo_id), "") if qbo_id.isascii() and qbo_id.isdigit() else (1 << 62, qbo_id)


class QboRecordsById:
    """Read only the named Customers (clients) and Items (items), active or not."""

    def __init__(
        self, client: QboClient, ids: Mapping[Kind, Sequence[str]], *, page_size: int = PAGE_SIZE
    ) -> None:
        self._client = client
        self._ids = {kind: sorted(set(values), key=_id_order) for kind, values in ids.items()}
        self._page_size = page_size

    def __repr__(self) -> str:
        return f"QboRecordsById(realm_id={self.realm_id!r})"

    @property
    def realm_id(self) -> str:
        """The QBO company the records come from."""
        return self._client.realm_id

    async def count(self, kind: Kind) -> int | None:
        """Return how many records were asked for (some may no longer exist)."""
        return len(self._ids.get(kind, ()))

    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        """Yield the asked-for records a page of Ids at a time, from a position a page returned."""
        entity, decode = ENTITIES[kind]
        ids = self._ids.get(kind, [])
        at = int(start) if start else 0
        while at < len(ids):
            chunk = ids[at : at + self._page_size]
            listed = ", ".join(quote_literal(qbo_id) for qbo_id in chunk)
            where = f"Id IN ({listed}) AND {ALL_RECORDS}"
            candidates = await self._client.records(entity, decode, 1, len(chunk), where)
            at += len(chunk)
            yield SourcePage(candidates, str(at) if at < len(ids) else None)
        if not ids:
            yield SourcePage([], None)
