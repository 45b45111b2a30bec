"""The seed's rules as plain data in, plain data out: no I/O, no clock, no database.

R1 existing names are skipped, R2 deleted stays deleted, R4 the lower QBO Id wins among
duplicates inside QBO, R5 inactive, unsupported and invalid records are not imported.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class Kind(StrEnum):
    """What an import brings in: QBO Customers become clients, QBO Items become items."""

    CLIENTS = "clients"
    ITEMS = "items"


class SkipReason(StrEnum):
    """Why a QBO record was not imported; each is counted on its own."""

    EXISTS = "exists"
    DELETED = "deleted"
    DUPLICATE = "duplicate"
    INACTIVE = "inactive"
    UNSUPPORTED = "unsupported"
    INVALID = "invalid"


MAX_NAME_LENGTH = 500
# QBO item types with nothing to invoice (Category) or not mapped faithfully yet (bundles).
UNSUPPORTED_ITEM_TYPES = frozenset({"Category", "Group", "Bundle"})

_QUOTE_FORMS = {
    # apostrophes and single quotes
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u0060": "'",
    "\u00b4": "'",
    # double quotes
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
}
_QUOTE_TABLE = str.maketrans(_QUOTE_FORMS)


def name_key(name: str) -> str:
    """Return the normalised form two names share when a person would call them the same."""
    if name.isascii():
        # NFKC leaves ASCII alone and casefold is lower() there: the common case, made cheap.
        return " ".join(name.replace("`", "'").lower().split())
    text = unicodedata.normalize("NFKC", name).translate(_QUOTE_TABLE)
    text = " ".join(text.casefold().split())
    # casefold can leave text that is no longer NFKC (for example "ǰ"); normalise once more.
    return unicodedata.normalize("NFKC", text)


def display_name(name: str) -> str:
    """Return the name as stored: the QBO spelling with surrounding white space removed."""
    return name.strip()


@dataclass(slots=True)
class Candidate:
    """One QBO record offered for import, already mapped to the invoicing account's fields.

    Not frozen: an import makes one per record, and a frozen dataclass is several times slower
    to build. Nothing changes a candidate after it is made.
    """

    qbo_id: str
    name: str
    active: bool = True
    item_type: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = name_key(self.name)


class ExistingRecord(NamedTuple):
    """What the store knows about a record already holding a name key (a tuple: one is made
    per record of a page, and a tuple is the cheapest thing to make)."""

    qbo_realm: str | None
    qbo_id: str | None
    run_id: str | None


@dataclass(frozen=True, slots=True)
class Known:
    """What the store knows about one page's names and QBO ids."""

    existing: Mapping[str, ExistingRecord] = field(default_factory=dict)
    deleted_keys: frozenset[str] = frozenset()
    deleted_qbo_ids: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record not imported, with the reason shown to the user."""

    qbo_id: str
    name: str
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class PageDecision:
    """The outcome for one page: what to insert, what this run already inserted, what to skip."""

    to_insert: tuple[Candidate, ...]
    already_imported: tuple[Candidate, ...]
    skipped: tuple[Skipped, ...]


def in_qbo_order(candidate: Candidate) -> tuple[int, str]:
    """Order by QBO Id, numerically (Ids are numeric strings), anything else after them."""
    qbo_id = candidate.qbo_id
    return (int(qbo_id), "") if qbo_id.isdigit() else (1 << 62, qbo_id)


def _invalid(candidate: Candidate) -> bool:
    name = candidate.name.strip()
    return not name or len(name) > MAX_NAME_LENGTH or not candidate.key


def precheck(kind: Kind, candidate: Candidate) -> SkipReason | None:
    """Return why a record is not imported whatever the store holds, or None."""
    if _invalid(candidate):
        return SkipReason.INVALID
    if kind is Kind.ITEMS and candidate.item_type in UNSUPPORTED_ITEM_TYPES:
        return SkipReason.UNSUPPORTED
    if not candidate.active:
        return SkipReason.INACTIVE
    return None


def decide_page(
    kind: Kind,
    candidates: Iterable[Candidate],
    known: Known,
    *,
    realm_id: str,
    run_id: str,
) -> PageDecision:
    """Decide, for each record of a page, import or skip with its reason.

    A name held by a record this same run imported (a page re-read after a crash) counts as
    imported again, so a resumed run ends with the counts of an uninterrupted one.
    """
    to_insert: list[Candidate] = []
    already: list[Candidate] = []
    skipped: list[Skipped] = []
    winners: dict[str, Candidate] = {}

    def skip(candidate: Candidate, reason: SkipReason) -> None:
        skipped.append(Skipped(candidate.qbo_id, display_name(candidate.name), reason))

    for candidate in sorted(candidates, key=in_qbo_order):
        reason = precheck(kind, candidate)
        if reason is not None:
            skip(candidate, reason)
            continue
        key = candidate.key
        if candidate.qbo_id in known.deleted_qbo_ids or key in known.deleted_keys:
            skip(candidate, SkipReason.DELETED)
        elif key in winners:
            skip(candidate, SkipReason.DUPLICATE)
        elif (existing := known.existing.get(key)) is not None:
            winners[key] = candidate
            same_record = existing.qbo_realm == realm_id and existing.qbo_id == candidate.qbo_id
            if same_record and existing.run_id == run_id:
                already.append(candidate)
            elif existing.qbo_realm == realm_id and existing.qbo_id and not same_record:
                skip(candidate, SkipReason.DUPLICATE)
            else:
                skip(candidate, SkipReason.EXISTS)
        else:
            winners[key] = candidate
            to_insert.append(candidate)
    return PageDecision(tuple(to_insert), tuple(already), tuple(skipped))


def refused_as_existing(
    decision: PageDecision, refused_keys: Iterable[str]
) -> tuple[tuple[Candidate, ...], tuple[Skipped, ...]]:
    """Turn records the unique index refused (a racing writer got there first) into 'exists'."""
    refused = set(refused_keys)
    inserted = tuple(c for c in decision.to_insert if c.key not in refused)
    raced = tuple(
        Skipped(c.qbo_id, display_name(c.name), SkipReason.EXISTS)
        for c in decision.to_insert
        if c.key in refused
    )
    return inserted, raced


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
