"""Clients and items as people see them (J5): list and search, add by hand, delete (R2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from importer.domain.errors import UserError
from importer.domain.model import Account, Kind, NewRecord, Record
from importer.domain.names import MAX_NAME_LENGTH, display_name, is_valid_name, name_key
from importer.ports.records import RecordBook


@dataclass(frozen=True, slots=True)
class Deletion:
    """What deleting one name or id did: the record removed, or None when nothing matched."""

    asked: str
    record: Record | None


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
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]:
        """Return records ordered by name, optionally those whose name contains search."""
        return await self._records.list_records(
            account.id, kind, search=search, limit=limit, offset=offset
        )

    async def count(self, account: Account, kind: Kind) -> int:
        """Return how many clients or items the account holds."""
        return await self._records.count_records(account.id, kind)

    async def find(self, account: Account, kind: Kind, name: str) -> Record | None:
        """Return the record with this name, in any spelling that makes the same key."""
        return await self._records.find_record(account.id, kind, name_key(name))

    async def add(
        self, account: Account, kind: Kind, name: str, fields: Mapping[str, Any]
    ) -> Record:
        """Add a record by hand, with the same name rules as an import; NameTaken if it exists."""
        if not is_valid_name(name):
            raise UserError(f"a name cannot be empty or longer than {MAX_NAME_LENGTH} characters")
        clean = display_name(name)
        values = {key: value for key, value in fields.items() if value is not None}
        return await self._records.add_record(
            account.id, kind, NewRecord(clean, name_key(clean), values)
        )

    async def delete(self, account: Account, kind: Kind, name_or_id: str) -> Deletion:
        """Delete the record with this name (any spelling) or id; its name is remembered (R2)."""
        found = await self._records.find_record(account.id, kind, name_key(name_or_id))
        record_id = found.id if found else name_or_id
        return Deletion(name_or_id, await self._records.delete_record(account.id, kind, record_id))
