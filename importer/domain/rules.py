"""The seed's rules as plain data in, plain data out: no I/O, no clock, no database.

R1 existing names are skipped, R2 deleted stays deleted, R4 the lower QBO Id wins among
duplicates inside QBO, R5 inactive, unsupported and invalid records (a bad name, or a price
money cannot hold: each its own reason) are not imported, R9 a QBO record imported once is not
imported again under a new name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from importer.domain.model import Kind, Skipped, SkipReason
from importer.domain.money import fits_money
from importer.domain.names import display_name, is_valid_name, name_key

# QBO item types with nothing to invoice (Category) or not mapped faithfully yet (bundles).
UNSUPPORTED_ITEM_TYPES = frozenset({"Category", "Group", "Bundle"})


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


class ImportedRecord(NamedTuple):
    """A record of the account imported from a QBO record asked about by its QBO Id (R9)."""

    qbo_realm: str
    name: str
    name_key: str
    run_id: str | None


@dataclass(frozen=True, slots=True)
class Known:
    """What the store knows about one page's names and QBO ids.

    imported holds, by QBO Id, the account's records imported from the asked company's records.
    """

    existing: Mapping[str, ExistingRecord] = field(default_factory=dict)
    deleted_keys: frozenset[str] = frozenset()
    deleted_qbo_ids: frozenset[str] = frozenset()
    imported: Mapping[str, ImportedRecord] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageDecision:
    """The outcome for one page: what to insert, what this run already inserted, what to skip."""

    to_insert: tuple[Candidate, ...]
    already_imported: tuple[Candidate, ...]
    skipped: tuple[Skipped, ...]


def in_qbo_order(candidate: Candidate) -> tuple[int, str]:
    """Order by QBO Id, numerically (Ids are numeric strings), anything else after them."""
    qbo_id = candidate.qbo_id
    # isdigit() alone takes "²" or "١", which int() refuses or reads as a number QBO never sent.
    if qbo_id.isascii() and qbo_id.isdigit():
        return (int(qbo_id), "")
    return (1 << 62, qbo_id)


def precheck(kind: Kind, candidate: Candidate) -> SkipReason | None:
    """Return why a record is not imported whatever the store holds, or None."""
    if not is_valid_name(candidate.name, candidate.key):
        return SkipReason.INVALID
    if kind is Kind.ITEMS and not fits_money(candidate.fields.get("unit_price")):
        return SkipReason.INVALID_PRICE
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

    A record this same run imported (a page re-read after a crash), found by its name or by its
    QBO Id, counts as imported again, so a resumed run ends with the counts of an uninterrupted
    one.
    """
    to_insert: list[Candidate] = []
    already: list[Candidate] = []
    skipped: list[Skipped] = []
    winners: dict[str, Candidate] = {}
    imported = known.imported

    def skip(candidate: Candidate, reason: SkipReason) -> None:
        skipped.append(Skipped(candidate.qbo_id, display_name(candidate.name), reason))

    checked = [(c, precheck(kind, c)) for c in sorted(candidates, key=in_qbo_order)]
    # What each record of this page is called now, if it takes part (R4 counts only these).
    page_keys = {c.qbo_id: (c.key if reason is None else None) for c, reason in checked}

    def still_held(existing: ExistingRecord, key: str) -> bool:
        """Tell whether the QBO record an account record came from still bears its name: not if
        this page shows it renamed or left out; unknown (so yes) if it is on another page."""
        qbo_id = existing.qbo_id
        return qbo_id not in page_keys or page_keys[qbo_id] == key

    for candidate, reason in checked:
        if reason is not None:
            skip(candidate, reason)
            continue
        key = candidate.key
        if candidate.qbo_id in known.deleted_qbo_ids or key in known.deleted_keys:
            skip(candidate, SkipReason.DELETED)
            continue
        existing = known.existing.get(key)
        same_record = (
            existing is not None
            and existing.qbo_id == candidate.qbo_id
            and existing.qbo_realm == realm_id
        )
        if (
            not same_record
            and (held := imported.get(candidate.qbo_id)) is not None
            and held.qbo_realm == realm_id
        ):
            # R9: imported here before under another name; the same entity, whatever its name
            # is now, so neither an existing name nor a duplicate. It still holds its new name
            # among this page's QBO records (R4: the lower Id wins).
            winners.setdefault(key, candidate)
            if held.run_id == run_id:
                already.append(candidate)
            else:
                skipped.append(
                    Skipped(
                        candidate.qbo_id,
                        display_name(candidate.name),
                        SkipReason.ALREADY_IMPORTED,
                        held.name,
                    )
                )
        elif key in winners:
            skip(candidate, SkipReason.DUPLICATE)
        elif existing is not None:
            winners[key] = candidate
            if same_record and existing.run_id == run_id:
                already.append(candidate)
            elif (
                existing.qbo_realm == realm_id
                and existing.qbo_id
                and not same_record
                and still_held(existing, key)
            ):
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
