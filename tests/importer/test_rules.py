"""The seed's rules, table-driven: which names are the same, and why records are skipped."""

from __future__ import annotations

import unicodedata

import pytest

from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.names import display_name, is_valid_name, name_key
from importer.domain.rules import (
    Candidate,
    ExistingRecord,
    ImportedRecord,
    Known,
    decide_page,
    in_qbo_order,
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
    ("Amy's Bird Sanctuary", "Amy´s Bird Sanctuary"),  # acute accent (Spanish keyboards)
    ("Amy's Bird Sanctuary", "Amy`s Bird Sanctuary"),  # grave accent
    ('12" Pipe', "12″ Pipe"),  # double prime
    ('12" Pipe', "12＂ Pipe"),  # full-width quotation mark
    ("Cool Cars", "Cool Ca\u200brs"),  # zero-width space
    ("Cool Cars", "Cool Ca\u200crs"),  # zero-width non-joiner
    ("Cool Cars", "Cool Ca\u200drs"),  # zero-width joiner
    ("Cool Cars", "Cool Ca\u2060rs"),  # word joiner
    ("Cool Cars", "\ufeffCool Cars"),  # byte-order mark (zero-width no-break space)
    ("Cool Cars", "Cool Ca\u00adrs"),  # soft hyphen
    ("Cool Cars", "Cool\u200e Cars\u200f"),  # left-to-right and right-to-left marks
    ("Cool Cars", "\u202eCool Cars\u202c"),  # bidirectional override and pop
    ("Cool Cars", "\u2066Cool\u2069 \u2067Cars\u2069"),  # bidirectional isolates
    ("Cool Cars", "Cool\x1b Cars"),  # escape, on the ASCII fast path
    ("Cool Cars", "\x07Cool\x00 Cars\x7f"),  # bell, NUL and DEL
    ("Cool Cars", "Cool\x1cCars"),  # a separator control is white space
    ("Cool Cars", "\x9bCool Cars"),  # C1 control (CSI)
    ("Café Ole", "Caf\x1bé Ole"),  # escape, on the slow path
    ("Cool Cars", "Cool\u3164 Cars"),  # Hangul filler
    ("Cool Cars", "\uffa0Cool Cars\u2800"),  # half-width Hangul filler, braille blank
    ("Cool Cars", "Cool Ca\u115f\u1160rs"),  # Hangul choseong and jungseong fillers
    ("Cool Cars", "Cool Ca\u17b4rs\u180b"),  # Khmer inherent vowel, Mongolian selector
]

DIFFERENT_NAMES = [
    ("Cool Cars", "Cool Car"),
    ("Jeff's Jalopies", "Jeffs Jalopies"),  # an apostrophe is not nothing
    ("Rock & Roll", "Rock and Roll"),  # QBO treats these as different names too
    ("José Café", "Jose Cafe"),  # accents matter
    ("Pye's Cakes 🍰", "Pye's Cakes 🎂"),
    ("Amy's Bird Sanctuary", "Amy s Bird Sanctuary"),
    ('12" Pipe', "12'' Pipe"),  # two apostrophes are not a double quote
    ("Cool Cars", "Cool\u200bCars"),  # a zero-width space is no space
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


# What the README says name_key folds away: typographic quotes, invisible characters, controls.
FOLDED = (
    "\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u034f\u061c\u180e"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0x20)))
    + "".join(map(chr, range(0x7F, 0xA0)))
)


def test_no_character_makes_a_key_holding_what_keys_fold_away() -> None:
    folded = frozenset(FOLDED)
    surrogates = range(0xD800, 0xE000)
    leaks = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if code not in surrogates and not folded.isdisjoint(name_key(f"a{chr(code)}b"))
    ]
    assert leaks == []


@pytest.mark.parametrize("name", [right for _, right in SAME_NAME])
def test_the_stored_name_has_the_key_of_the_qbo_name(name: str) -> None:
    assert name_key(display_name(name)) == name_key(name)


SHOWN = [
    ("  Cool Cars ", "Cool Cars"),  # surrounding white space goes
    ("Cool  Cars", "Cool  Cars"),  # inner spacing stays as QBO spells it
    ("\x1b[2J\x1b[31mCool Cars\x1b[0m", "[2J[31mCool Cars[0m"),  # no terminal escapes
    ("Cool\x00\x07\x7f Cars", "Cool Cars"),
    ("Caf\x9bé", "Café"),  # C1 control
    ("Cool\nCars\r\n", "Cool Cars"),  # line breaks become spaces
    ("Cool\tCars", "Cool Cars"),
    ("Cool\u2028Cars", "Cool Cars"),  # line separator
    ("\u202eevil.exe\u202c", "evil.exe"),  # bidirectional override
    ("\u2067שלום\u2069 Ltd", "שלום Ltd"),  # bidirectional isolate
    ("Family 👨\u200d👩\u200d👧", "Family 👨\u200d👩\u200d👧"),  # joiners draw emoji: kept
    ("José Café", "José Café"),
]


@pytest.mark.parametrize(("qbo_name", "shown"), SHOWN)
def test_names_are_stored_and_shown_without_control_or_bidirectional_characters(
    qbo_name: str, shown: str
) -> None:
    assert display_name(qbo_name) == shown


VALIDITY = [
    ("Cool Cars", True),
    ("\x1b[31m", True),  # what is left prints: "[31m"
    ("\u200b\u200d\ufeff", False),  # prints nothing
    ("\u00ad", False),
    ("\x1b\x07\x00", False),
    ("\u202e\u2066\u2069", False),
    ("\n\t\x1c", False),
    ("Amy\udcff", False),  # a lone surrogate (undecodable bytes on a command line)
    ("\x1b" * 10 + "x" * 500, True),  # removed characters do not count towards the limit
    ("\u202e" + "x" * 501, False),
    # Fillers and other characters that print nothing (Unicode's default-ignorable ones).
    ("\u3164", False),  # Hangul filler
    ("\u115f\u1160", False),  # Hangul choseong and jungseong fillers
    ("\uffa0", False),  # half-width Hangul filler
    ("\u2800", False),  # braille pattern blank
    ("\u3164 \u2800 \u17b4", False),
    ("\ufe0f\U000e0061\U000e007f", False),  # a variation selector and tags alone
    ("\u3164Cool Cars", True),
]


@pytest.mark.parametrize(("name", "valid"), VALIDITY)
def test_a_name_is_valid_when_what_is_shown_prints_something(name: str, valid: bool) -> None:
    assert is_valid_name(name) is valid
    assert is_valid_name(name, name_key(name)) is valid


@pytest.mark.parametrize("qbo_id", ["²", "١٢", "⑦", "12a", "", "-3"])
def test_ids_that_are_not_ascii_numbers_sort_after_the_numbers(qbo_id: str) -> None:
    ordered = sorted([Candidate(qbo_id, "A"), Candidate("99", "B")], key=in_qbo_order)
    assert [c.qbo_id for c in ordered] == ["99", qbo_id]


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
    (Kind.CLIENTS, Candidate("15", "\u200b\u00ad\u2060"), SkipReason.INVALID),
    (Kind.CLIENTS, Candidate("16", "\u202e\x1b"), SkipReason.INVALID),
    (Kind.CLIENTS, Candidate("17", "\x1b[31mRed"), None),
    # Tabs and line breaks in a QBO name become spaces in what is stored and shown.
    (Kind.CLIENTS, Candidate("18", "Tab\tinside"), None),
    (Kind.ITEMS, Candidate("19", "Two\nlines"), None),
    (Kind.CLIENTS, Candidate("20", "No\u00a0break space"), None),
    # A price money cannot hold is its own reason; a bad name is named first.
    (
        Kind.ITEMS,
        Candidate("21", "Huge", fields={"unit_price": "1E+300"}),
        SkipReason.INVALID_PRICE,
    ),
    (
        Kind.ITEMS,
        Candidate("22", "Words", fields={"unit_price": "twelve"}),
        SkipReason.INVALID_PRICE,
    ),
    (Kind.ITEMS, Candidate("23", "", fields={"unit_price": "1E+300"}), SkipReason.INVALID),
    (Kind.ITEMS, Candidate("24", "Fine", fields={"unit_price": "999999999999999.99"}), None),
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


def test_an_id_of_unicode_digits_is_decided_not_a_crash() -> None:
    assert decide([Candidate("²", "Cool Cars"), Candidate("3", "Cool Cars")]) == {
        "3": "import",
        "²": "duplicate",
    }


def test_skipped_names_are_shown_without_escapes() -> None:
    decision = decide_page(
        Kind.CLIENTS,
        [Candidate("1", "\x1b[31mOld\u202e Customer", active=False)],
        Known(),
        realm_id="r",
        run_id="x",
    )
    assert decision.skipped[0].name == "[31mOld Customer"


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
        "invalid_price": 0,
        "already_imported": 0,
    }
    assert Counts.from_dict(data).as_dict() == data
    assert counts.seen == 5


# R9: a QBO record imported once is never imported again, whatever its name is now.
AMY = ImportedRecord("realm-1", "Amy's Bird Sanctuary", "amy's bird sanctuary", "run-0")


def test_renamed_record_imported_before_is_skipped_as_already_imported() -> None:
    known = Known(imported={"1": AMY})
    decision = decide_page(
        Kind.CLIENTS,
        [Candidate("1", " Amy Bird Sanctuary (renamed) ")],
        known,
        realm_id="realm-1",
        run_id="run-1",
    )
    assert decision.to_insert == ()
    assert decision.already_imported == ()
    assert decision.skipped == (
        Skipped(
            "1",
            "Amy Bird Sanctuary (renamed)",
            SkipReason.ALREADY_IMPORTED,
            existing_name="Amy's Bird Sanctuary",
        ),
    )


def test_record_imported_under_the_same_name_is_still_an_existing_name() -> None:
    known = Known(
        existing={"amy's bird sanctuary": ExistingRecord("realm-1", "1", "run-0")},
        imported={"1": AMY},
    )
    assert decide([Candidate("1", "AMY’S Bird Sanctuary")], known) == {"1": "exists"}


def test_renamed_and_deleted_here_stays_deleted() -> None:
    known = Known(deleted_qbo_ids=frozenset({"1"}), imported={"1": AMY})
    assert decide([Candidate("1", "Amy Bird Sanctuary (renamed)")], known) == {"1": "deleted"}
    renamed_into_a_deleted_name = Known(deleted_keys=frozenset({"cool cars"}), imported={"1": AMY})
    assert decide([Candidate("1", "Cool Cars")], renamed_into_a_deleted_name) == {"1": "deleted"}


def test_renamed_into_a_name_another_client_holds_is_already_imported() -> None:
    by_hand = Known(existing={"cool cars": ExistingRecord(None, None, None)}, imported={"1": AMY})
    from_qbo = Known(
        existing={"cool cars": ExistingRecord("realm-1", "7", "run-0")}, imported={"1": AMY}
    )
    assert decide([Candidate("1", "Cool Cars")], by_hand) == {"1": "already_imported"}
    assert decide([Candidate("1", "Cool Cars")], from_qbo) == {"1": "already_imported"}


def test_renamed_record_keeps_the_lower_id_rule_for_its_new_name() -> None:
    page = [Candidate("5", "COOL CARS"), Candidate("1", "Cool Cars"), Candidate("9", "Red Rock")]
    assert decide(page, Known(imported={"1": AMY})) == {
        "1": "already_imported",
        "5": "duplicate",
        "9": "import",
    }


def test_a_new_record_taking_a_renamed_records_old_name_finds_the_name_existing() -> None:
    # Customer 1 was imported as Amy's Bird Sanctuary, then renamed in QuickBooks; customer 30
    # now bears the old name. QuickBooks holds one record with that name: no duplicate (R4), the
    # name is simply in the account already (R1).
    known = Known(
        existing={"amy's bird sanctuary": ExistingRecord("realm-1", "1", "run-0")},
        imported={"1": AMY},
    )
    page = [Candidate("30", "Amy's Bird Sanctuary"), Candidate("1", "Amy Bird Sanctuary (renamed)")]
    assert decide(page, known) == {"1": "already_imported", "30": "exists"}
    gone = [Candidate("30", "Amy's Bird Sanctuary"), Candidate("1", "Amy's Bird Sanctuary", False)]
    assert decide(gone, known) == {"1": "inactive", "30": "exists"}


def test_a_record_holding_the_name_on_an_earlier_page_still_makes_a_duplicate() -> None:
    known = Known(existing={"amy's bird sanctuary": ExistingRecord("realm-1", "1", "run-0")})
    assert decide([Candidate("30", "Amy's Bird Sanctuary")], known) == {"30": "duplicate"}
    same_page = [Candidate("30", "AMY'S bird sanctuary"), Candidate("1", "Amy's Bird Sanctuary")]
    assert decide(same_page, known) == {"1": "exists", "30": "duplicate"}


def test_same_id_from_another_company_is_judged_on_its_own() -> None:
    elsewhere = ImportedRecord("realm-2", "Amy's Bird Sanctuary", "amy's bird sanctuary", "run-0")
    assert decide([Candidate("1", "Cool Cars")], Known(imported={"1": elsewhere})) == {
        "1": "import"
    }
    same_name = Known(
        existing={"amy's bird sanctuary": ExistingRecord("realm-2", "1", "run-0")},
        imported={"1": elsewhere},
    )
    assert decide([Candidate("1", "Amy's Bird Sanctuary")], same_name) == {"1": "exists"}


def test_renamed_after_this_run_imported_it_counts_as_imported_after_a_crash() -> None:
    this_run = ImportedRecord("realm-1", "Old Name", "old name", "run-1")
    assert decide([Candidate("1", "New Name")], Known(imported={"1": this_run})) == {"1": "already"}
