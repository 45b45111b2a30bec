"""Clients and items: what the import engine writes, and what people list, add and delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from importer.domain.model import Kind, NewRecord, Record
from importer.domain.rules import Known


class RecordWriter(Protocol):
    """What an import needs of the records: one look-up and one insert per batch."""

    async def lookup(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        keys: Sequence[str],
        qbo_ids: Sequence[str],
    ) -> Known:
        """Return which of these name keys exist or were deleted, which QBO ids were deleted, and
        the records imported from these QBO ids of realm_id (R9), in one query per collection."""
        ...

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        """Insert in one round trip; return the name keys the unique index refused."""
        ...


class RecordBook(Protocol):
    """What people do with clients and items: list, count, find, add by hand, delete (R2)."""

    async def add_record(self, account_id: str, kind: Kind, record: NewRecord) -> Record:
        """Create one record by hand; raise NameTaken when the name exists."""
        ...

    async def list_records(
        self,
        account_id: str,
        kind: Kind,
        *,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]:
        """Return records ordered by name key, optionally those whose key contains search."""
        ...

    async def count_records(self, account_id: str, kind: Kind, *, search: str | None = None) -> int:
        """Return how many clients or items the account holds (whose name contains search)."""
        ...

    async def find_record(self, account_id: str, kind: Kind, key: str) -> Record | None:
        """Return the record holding this name key."""
        ...

    async def delete_record(self, account_id: str, kind: Kind, record_id: str) -> Record | None:
        """Record the deleted name (and QBO id) first, then remove the record (R2)."""
        ...
