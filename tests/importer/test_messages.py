"""Messages kept as data (why a job failed) come back as the same message, in any language."""

from __future__ import annotations

import json
from decimal import Decimal

from i18n import translate
from importer.domain.messages import N_, OneOf, Text, Texts, from_data, joined, to_data


def test_a_message_survives_json_with_every_kind_of_value() -> None:
    message = Text(
        N_("{kind}: {reason}"),
        {
            "kind": N_("items"),
            "reason": joined(
                [
                    Text(N_("did not run")),
                    Text(
                        "{a} {b} {c} {d}",
                        {"a": OneOf(("x", "y")), "b": Decimal("1.50"), "c": 7, "d": None},
                    ),
                ]
            ),
        },
    )

    back = from_data(json.loads(json.dumps(to_data(message))))

    assert back == message
    assert str(back) == "items: did not run; x or y 1.50 7 None"
    assert translate(back, "es") == "conceptos: no se ejecutó; x o y 1,5 7 None"


def test_one_message_joined_is_itself_and_several_are_shown_in_turn() -> None:
    one = Text(N_("did not run"))
    assert joined([one]) is one
    assert str(joined([one, Text("later")])) == "did not run; later"
    assert isinstance(joined([one, one]).values["texts"], Texts)


def test_a_reason_stored_as_english_text_before_is_shown_as_it_was() -> None:
    assert from_data("QuickBooks refused") == Text("QuickBooks refused")
    assert translate(from_data("QuickBooks refused"), "es") == "QuickBooks refused"
