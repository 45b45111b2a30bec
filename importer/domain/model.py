"""The invoicing account and what it holds: accounts, clients and items, skips and counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from importer.domain.messages import N_, Msgid

PLANS = ("starter", "professional", "premium")


class Kind(StrEnum):
    """What an import brings in: QBO Customers become clients, QBO Items become items."""

    CLIENTS = "clients"
    ITEMS = "items"

    @property
    def noun(self) -> Msgid:
        """The kind as a word in a sentence ("an import of clients"), translated where shown."""
        return _NOUNS[self]


_NOUNS = {Kind.CLIENTS: N_("clients"), Kind.ITEMS: N_("items")}


class SkipReason(StrEnum):
    """Why a QBO record was not imported; each is counted on its own."""

    EXISTS = "exists"
    DELETED = "deleted"
    DUPLICATE = "duplicate"
    INACTIVE = "inactive"
    UNSUPPORTED = "unsupported"
    INVALID = "invalid"
    INVALID_PRICE = "invalid_price"
    ALREADY_IMPORTED = "already_imported"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record not imported, with the reason shown to the user."""

    qbo_id: str
    name: str
    reason: SkipReason
    # ALREADY_IMPORTED (R9): the name of the client or item this QBO record became here.
    existing_name: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """An invoicing account: one per workspace or created on the command line."""

    id: str
    name: str
    plan: str
    currency: str
    created_at: datetime
    # J7: import the customers and items QBO's webhooks announce, without being asked.
    auto_import: bool = False


class NewRecord(NamedTuple):
    """A client or item about to be written (a tuple: an import makes 100,000s of them)."""

    name: str
    name_key: str
    fields: Mapping[str, Any] = MappingProxyType({})
    qbo_realm: str | None = None
    qbo_id: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """A stored client or item. Money in fields is a decimal string, never a float."""

    id: str
    account_id: str
    kind: Kind
    name: str
    name_key: str
    fields: Mapping[str, Any]
    qbo_realm: str | None
    qbo_id: str | None
    run_id: str | None
    created_at: datetime

    @property
    def unit_price(self) -> Decimal | None:
        value = self.fields.get("unit_price")
        return None if value is None else Decimal(str(value))


@dataclass(slots=True)
class Counts:
    """Per-run tallies: imported, failed, and skipped by reason."""

    imported: int = 0
    failed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def seen(self) -> int:
        return self.imported + self.failed + sum(self.skipped.values())

    def add(self, imported: int, skipped: Sequence[Skipped], failed: int = 0) -> None:
        """Add one page's outcome."""
        self.imported += imported
        self.failed += failed
        for entry in skipped:
            self.skipped[entry.reason.value] = self.skipped.get(entry.reason.value, 0) + 1

    def copy(self) -> Counts:
        """Return counts that change independently of these."""
        return Counts(self.imported, self.failed, dict(self.skipped))

    def as_dict(self) -> dict[str, Any]:
        """Return the counts as JSON-ready data, every reason present."""
        return {
            "imported": self.imported,
            "failed": self.failed,
            "skipped": {reason.value: self.skipped.get(reason.value, 0) for reason in SkipReason},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Counts:
        """Rebuild counts saved with as_dict."""
        skipped = {k: int(v) for k, v in dict(data.get("skipped", {})).items() if int(v)}
        return cls(int(data.get("imported", 0)), int(data.get("failed", 0)), skipped)
