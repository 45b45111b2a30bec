"""Clients and items as people see them (J5): list and search, add by hand, delete (R2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from importer.domain.errors import NameTaken
from importer.domain.inputs import checked_bound, checked_name, parsed_price, price_text
from importer.domain.messages import N_
from importer.domain.model import Account, Kind, NewRecord, Record
from importer.domain.names import name_key
from importer.ports.records import RecordBook

# How many records a list shows unless asked for another number.
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Deletion:
    """What deleting one name or id did: the record removed, or None when nothing matched."""

    asked: str
    record: Record | None


@dataclass(frozen=True, slots=True)
class RecordPage:
    """Some of an account's clients or items, and how many there are in all."""

    records: list[Record]
    total: int
    offset: int
    limit: int

    @property
    def after(self) -> int:
        """How many records come after this page."""
        return max(0, self.total - self.offset - len(self.records))


class RecordService:
    """List, add and delete an account's clients and items."""

    def __init__(self, records: RecordBook) -> None:
        self._records = records

    async def list(
        self,
        account: Account,
        kind: Kind,
        *,
        search: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> list[Record]:
        """Return records ordered by name, optionally those whose name contains search."""
        return (await self.page(account, kind, search=search, limit=limit, offset=offset)).records

    async def page(
        self,
        account: Account,
        kind: Kind,
        *,
        search: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
    ) -> RecordPage:
        """Return a page of records ordered by name (those whose name contains search, if
        given) and how many match in all; a negative limit or offset raises InvalidValue."""
        checked_bound(limit)
        checked_bound(offset)
        found = await self._records.list_records(
            account.id, kind, search=search, limit=limit, offset=offset
        )
        total = await self._records.count_records(account.id, kind, search=search)
        return RecordPage(found, total, offset, limit)

    async def count(self, account: Account, kind: Kind) -> int:
        """Return how many clients or items the account holds."""
        return await self._records.count_records(account.id, kind)

    async def find(self, account: Account, kind: Kind, name: str) -> Record | None:
        """Return the record with this name, in any spelling that makes the same key."""
        return await self._records.find_record(account.id, kind, name_key(name))

    async def add(
        self, account: Account, kind: Kind, name: str, fields: Mapping[str, Any]
    ) -> Record:
        """Add a record by hand, with the same name rules as an import (InvalidValue); NameTaken
        naming the record that holds the name if it exists."""
        clean = checked_name(name)
        values = {key: value for key, value in fields.items() if value is not None}
        if "unit_price" in values:
            values["unit_price"] = price_text(parsed_price(str(values["unit_price"])))
        try:
            return await self._records.add_record(
                account.id, kind, NewRecord(clean, name_key(clean), values)
            )
        except NameTaken:
            existing = await self.find(account, kind, clean)
            message = (
                N_("A client named {name!r} already exists.")
                if kind is Kind.CLIENTS
                else N_("An item named {name!r} already exists.")
            )
            raise NameTaken(message, name=existing.name if existing else clean) from None

    async def delete(self, account: Account, kind: Kind, name_or_id: str) -> Deletion:
        """Delete the record with this name (any spelling) or id; its name is remembered (R2)."""
        found = await self._records.find_record(account.id, kind, name_key(name_or_id))
        record_id = found.id if found else name_or_id
        return Deletion(name_or_id, await self._records.delete_record(account.id, kind, record_id))
