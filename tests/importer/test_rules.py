"""The seed's rules, table-driven: which names are the same, and why records are skipped."""

from __future__ import annotations

import unicodedata

import pytest

from importer.domain.model import Counts, Kind, SkipReason
from importer.domain.names import name_key
from importer.domain.rules import (
    Candidate,
    ExistingRecord,
    Known,
    decide_page,
    precheck,
    refused_as_existing,
)

SAME_NAME = [
    ("Amy's Bird Sanctuary", "Amy’s Bird Sanctuary"),  # straight vs curly apostrophe
    ("Amy's Bird Sanctuary", "Amy‘s Bird Sanctuary"),  # left single quote
    ("Amy's Bird Sanctuary", "Amyʼs Bird Sanctuary"),  # modifier letter apostrophe
    ('The "Best" Cakes', "The “Best” Cakes"),  # curly double quotes
    ("Cool Cars", "COOL CARS"),  # case
    ("Cool Cars", "cool cars"),
    ("Straße Bau", "STRASSE BAU"),  # full case folding, not just lower()
    ("Cool Cars", "  Cool Cars  "),  # leading and trailing spaces
    ("Cool Cars", "Cool    Cars"),  # inner runs of spaces
    ("Cool Cars", "Cool\tCars\n"),  # tabs and newlines are white space too
    ("Cool Cars", "Cool\u00a0Cars"),  # no-break space
    ("Cool Cars", "Ｃｏｏｌ Ｃａｒｓ"),  # full-width letters
    ("José Café", unicodedata.normalize("NFD", "José Café")),  # NFC vs NFD accents
    ("Pye's Cakes 🍰", "PYE’S   cakes 🍰"),  # emoji survive, the rest folds
]

DIFFERENT_NAMES = [
    ("Cool Cars", "Cool Car"),
    ("Jeff's Jalopies", "Jeffs Jalopies"),  # an apostrophe is not nothing
    ("Rock & Roll", "Rock and Roll"),  # QBO treats these as different names too
    ("José Café", "Jose Cafe"),  # accents matter
    ("Pye's Cakes 🍰", "Pye's Cakes 🎂"),
]


@pytest.mark.parametrize(("left", "right"), SAME_NAME)
def test_names_a_person_would_call_the_same_share_a_key(left: str, right: str) -> None:
    assert name_key(left) == name_key(right)


@pytest.mark.parametrize(("left", "right"), DIFFERENT_NAMES)
def test_different_names_keep_different_keys(left: str, right: str) -> None:
    assert name_key(left) != name_key(right)


def test_key_is_lowercase_with_single_spaces() -> None:
    assert name_key("  Amy’s   BIRD Sanctuary ") == "amy's bird sanctuary"


def test_key_is_stable() -> None:
    for left, _ in SAME_NAME:
        assert name_key(name_key(left)) == name_key(left)


PRECHECK = [
    (Kind.CLIENTS, Candidate("1", "Amy's Bird Sanctuary"), None),
    (Kind.CLIENTS, Candidate("2", ""), SkipReason.INVALID),
    (Kind.CLIENTS, Candidate("3", "   \t "), SkipReason.INVALID),
    (Kind.CLIENTS, Candidate("4", "x" * 501), SkipReason.INVALID),
    (Kind.CLIENTS, Candidate("5", "x" * 500), None),
    (Kind.CLIENTS, Candidate("6", "  " + "x" * 500 + "  "), None),
    (Kind.CLIENTS, Candidate("7", "Old Customer", active=False), SkipReason.INACTIVE),
    (Kind.CLIENTS, Candidate("8", "", active=False), SkipReason.INVALID),
    (Kind.ITEMS, Candidate("9", "Landscaping", item_type="Category"), SkipReason.UNSUPPORTED),
    (Kind.ITEMS, Candidate("10", "Garden Kit", item_type="Group"), SkipReason.UNSUPPORTED),
    (Kind.ITEMS, Candidate("11", "Pump", item_type="Inventory"), None),
    (Kind.ITEMS, Candidate("12", "Hours", item_type="Service"), None),
    (
        Kind.ITEMS,
        Candidate("13", "Sod", item_type="NonInventory", active=False),
        SkipReason.INACTIVE,
    ),
    (Kind.CLIENTS, Candidate("14", "🍰"), None),
    (Kind.CLIENTS, Candidate("15", "Tab\tinside"), SkipReason.INVALID),
    (Kind.ITEMS, Candidate("16", "Two\nlines"), SkipReason.INVALID),
    (Kind.CLIENTS, Candidate("17", "No\u00a0break space"), None),
]


@pytest.mark.parametrize(("kind", "candidate", "reason"), PRECHECK)
def test_records_never_imported_whatever_the_account_holds(
    kind: Kind, candidate: Candidate, reason: SkipReason | None
) -> None:
    assert precheck(kind, candidate) is reason


def decide(candidates: list[Candidate], known: Known | None = None) -> dict[str, str]:
    decision = decide_page(
        Kind.CLIENTS, candidates, known or Known(), realm_id="realm-1", run_id="run-1"
    )
    outcome = {c.qbo_id: "import" for c in decision.to_insert}
    outcome.update({c.qbo_id: "already" for c in decision.already_imported})
    outcome.update({s.qbo_id: s.reason.value for s in decision.skipped})
    return outcome


def test_new_names_are_imported() -> None:
    assert decide([Candidate("1", "Cool Cars"), Candidate("2", "Red Rock Diner")]) == {
        "1": "import",
        "2": "import",
    }


def test_existing_name_is_skipped_whatever_its_spelling() -> None:
    known = Known(existing={name_key("Amy's Bird Sanctuary"): ExistingRecord(None, None, None)})
    assert decide([Candidate("1", "AMY’S  bird sanctuary")], known) == {"1": "exists"}


def test_record_imported_before_from_the_same_company_is_skipped_as_existing() -> None:
    known = Known(existing={"cool cars": ExistingRecord("realm-1", "3", "run-0")})
    assert decide([Candidate("3", "Cool Cars")], known) == {"3": "exists"}


def test_same_company_same_run_counts_as_imported_after_a_crash() -> None:
    known = Known(existing={"cool cars": ExistingRecord("realm-1", "3", "run-1")})
    assert decide([Candidate("3", "Cool Cars")], known) == {"3": "already"}


def test_name_held_by_another_record_of_the_same_company_is_a_qbo_duplicate() -> None:
    known = Known(existing={"cool cars": ExistingRecord("realm-1", "3", "run-1")})
    assert decide([Candidate("40", "COOL CARS")], known) == {"40": "duplicate"}


def test_name_from_another_company_is_an_existing_name() -> None:
    known = Known(existing={"cool cars": ExistingRecord("realm-2", "40", "run-0")})
    assert decide([Candidate("40", "Cool Cars")], known) == {"40": "exists"}


def test_deleted_name_is_never_imported_again() -> None:
    known = Known(deleted_keys=frozenset({"cool cars"}))
    assert decide([Candidate("3", "cool  CARS"), Candidate("9", "Cool Cars")], known) == {
        "3": "deleted",
        "9": "deleted",
    }


def test_deleted_qbo_id_is_never_imported_again_even_renamed() -> None:
    known = Known(deleted_qbo_ids=frozenset({"3"}))
    assert decide([Candidate("3", "Cool Cars Renamed")], known) == {"3": "deleted"}


def test_lower_qbo_id_wins_among_duplicates_inside_qbo() -> None:
    page = [
        Candidate("12", "Cool Cars"),
        Candidate("3", "cool cars"),
        Candidate("100", "COOL CARS"),
    ]
    assert decide(page) == {"3": "import", "12": "duplicate", "100": "duplicate"}


def test_ids_compare_as_numbers_not_text() -> None:
    assert decide([Candidate("10", "Cool Cars"), Candidate("9", "Cool Cars")]) == {
        "9": "import",
        "10": "duplicate",
    }


def test_inactive_record_does_not_take_a_name() -> None:
    page = [Candidate("1", "Cool Cars", active=False), Candidate("2", "Cool Cars")]
    assert decide(page) == {"1": "inactive", "2": "import"}


def test_refused_by_the_unique_index_becomes_exists() -> None:
    decision = decide_page(
        Kind.CLIENTS,
        [Candidate("1", "Cool Cars"), Candidate("2", "Red Rock Diner")],
        Known(),
        realm_id="realm-1",
        run_id="run-1",
    )
    inserted, raced = refused_as_existing(decision, {"red rock diner"})
    assert [c.qbo_id for c in inserted] == ["1"]
    assert [(s.qbo_id, s.name, s.reason) for s in raced] == [
        ("2", "Red Rock Diner", SkipReason.EXISTS)
    ]


def test_skipped_names_are_shown_as_qbo_spells_them() -> None:
    decision = decide_page(
        Kind.CLIENTS,
        [Candidate("1", "  Old  Customer ", active=False)],
        Known(),
        realm_id="r",
        run_id="x",
    )
    assert decision.skipped[0].name == "Old  Customer"


def test_counts_round_trip_with_every_reason() -> None:
    counts = Counts()
    decision = decide_page(
        Kind.CLIENTS,
        [Candidate("1", ""), Candidate("2", "A", active=False)],
        Known(),
        realm_id="r",
        run_id="x",
    )
    counts.add(3, decision.skipped)
    data = counts.as_dict()
    assert data["imported"] == 3
    assert data["skipped"] == {
        "exists": 0,
        "deleted": 0,
        "duplicate": 0,
        "inactive": 1,
        "unsupported": 0,
        "invalid": 1,
    }
    assert Counts.from_dict(data).as_dict() == data
    assert counts.seen == 5
