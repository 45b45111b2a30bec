"""An in-process source of QBO-shaped records, generated on the fly: for benchmarks and tests.

Records are made page by page from their Id, so memory stays flat however many there are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal

from importer.domain.model import Kind
from importer.domain.rules import Candidate
from importer.ports.source import SourcePage
from qbo.mapping import client_from_customer, item_from_qbo
from qbo.schema import Customer, EmailAddress, Item, PhoneNumber, PhysicalAddress


def synthetic_customer(qbo_id: int) -> Customer:
    """Return the QBO Customer with this Id."""
    return Customer(
        Id=str(qbo_id),
        DisplayName=f"Customer {qbo_id:06d}",
        CompanyName=f"Company {qbo_id:06d} LLC",
        PrimaryEmailAddr=EmailAddress(f"billing{qbo_id}@example.com"),
        PrimaryPhone=PhoneNumber(f"(555) {qbo_id % 1000:03d}-{qbo_id % 10000:04d}"),
        BillAddr=PhysicalAddress(Line1=f"{qbo_id} Main St.", City="Bayshore", PostalCode="94326"),
    )


def synthetic_item(qbo_id: int) -> Item:
    """Return the QBO Item with this Id."""
    return Item(
        Id=str(qbo_id),
        Name=f"Item {qbo_id:06d}",
        Description=f"Product or service number {qbo_id}",
        UnitPrice=Decimal(qbo_id % 500) + Decimal("0.99"),
        Sku=f"SKU-{qbo_id:06d}",
        Type="Service" if qbo_id % 2 else "NonInventory",
    )


class SyntheticSource:
    """A company of `customers` customers and `items` items with Ids 1..N, in pages."""

    def __init__(
        self,
        *,
        customers: int = 0,
        items: int = 0,
        page_size: int = 1000,
        realm_id: str = "synthetic-realm",
        customer: Callable[[int], Customer] = synthetic_customer,
        item: Callable[[int], Item] = synthetic_item,
    ) -> None:
        self._sizes = {Kind.CLIENTS: customers, Kind.ITEMS: items}
        self._customer = customer
        self._item = item
        self._page_size = page_size
        self._realm_id = realm_id

    @property
    def realm_id(self) -> str:
        return self._realm_id

    async def count(self, kind: Kind) -> int | None:
        return self._sizes[kind]

    def _candidate(self, kind: Kind, qbo_id: int) -> Candidate:
        if kind is Kind.CLIENTS:
            return client_from_customer(self._customer(qbo_id))
        return item_from_qbo(self._item(qbo_id))

    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        """Yield pages from STARTPOSITION-style positions (1-based)."""
        position = int(start or 1)
        size = self._sizes[kind]
        while position <= size:
            end = min(position + self._page_size, size + 1)
            candidates = [self._candidate(kind, qbo_id) for qbo_id in range(position, end)]
            yield SourcePage(candidates, str(end) if end <= size else None)
            position = end
