"""An in-process source of QBO-shaped records, generated on the fly: for benchmarks and tests.

Records are made page by page from their Id, so memory stays flat however many there are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from typing import Any

from importer.mapping import client_from_customer, item_from_qbo
from importer.rules import Candidate, Kind
from importer.source import SourcePage

QboRecord = Mapping[str, Any]


def synthetic_customer(qbo_id: int) -> dict[str, Any]:
    """Return the QBO Customer with this Id."""
    return {
        "Id": str(qbo_id),
        "DisplayName": f"Customer {qbo_id:06d}",
        "CompanyName": f"Company {qbo_id:06d} LLC",
        "PrimaryEmailAddr": {"Address": f"billing{qbo_id}@example.com"},
        "PrimaryPhone": {"FreeFormNumber": f"(555) {qbo_id % 1000:03d}-{qbo_id % 10000:04d}"},
        "BillAddr": {"Line1": f"{qbo_id} Main St.", "City": "Bayshore", "PostalCode": "94326"},
        "Active": True,
    }


def synthetic_item(qbo_id: int) -> dict[str, Any]:
    """Return the QBO Item with this Id."""
    return {
        "Id": str(qbo_id),
        "Name": f"Item {qbo_id:06d}",
        "Description": f"Product or service number {qbo_id}",
        "UnitPrice": Decimal(qbo_id % 500) + Decimal("0.99"),
        "Sku": f"SKU-{qbo_id:06d}",
        "Type": "Service" if qbo_id % 2 else "NonInventory",
        "Active": True,
    }


class SyntheticSource:
    """A company of `customers` customers and `items` items with Ids 1..N, in pages."""

    def __init__(
        self,
        *,
        customers: int = 0,
        items: int = 0,
        page_size: int = 1000,
        realm_id: str = "synthetic-realm",
        customer: Callable[[int], QboRecord] = synthetic_customer,
        item: Callable[[int], QboRecord] = synthetic_item,
    ) -> None:
        self._sizes = {Kind.CLIENTS: customers, Kind.ITEMS: items}
        self._makers = {Kind.CLIENTS: customer, Kind.ITEMS: item}
        self._page_size = page_size
        self._realm_id = realm_id

    @property
    def realm_id(self) -> str:
        return self._realm_id

    async def count(self, kind: Kind) -> int | None:
        return self._sizes[kind]

    def _candidate(self, kind: Kind, qbo_id: int) -> Candidate:
        record = self._makers[kind](qbo_id)
        return client_from_customer(record) if kind is Kind.CLIENTS else item_from_qbo(record)

    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        """Yield pages from STARTPOSITION-style positions (1-based)."""
        position = int(start or 1)
        size = self._sizes[kind]
        while position <= size:
            end = min(position + self._page_size, size + 1)
            candidates = [self._candidate(kind, qbo_id) for qbo_id in range(position, end)]
            yield SourcePage(candidates, str(end) if end <= size else None)
            position = end
