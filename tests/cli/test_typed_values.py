"""What a person types is checked by the same rules as what QuickBooks sends (issue 12, items 6
and 8): a value the rules refuse is a bad argument (exit 2), with a message saying the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli, cli_env


@pytest.fixture
async def acme(tmp_path: Path) -> Cli:
    database = tmp_path / "typed.sqlite3"
    cli = Cli(cli_env(f"sqlite:///{database}"), tmp_path, database)
    assert (await cli("accounts", "create", "Acme")).code == 0
    return cli


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


async def test_an_account_name_follows_the_name_rules(acme: Cli) -> None:
    for name in ["", "   ", "Tab\there", "Line\nbreak", "x" * 501]:
        result = await acme("accounts", "create", name)
        assert result.code == 2, name
        line = one_line(result.err)
        assert "cannot be empty, longer than 500 characters, or hold tabs or line breaks" in line
    listed = await acme("accounts", "list", "--json")
    assert [account["name"] for account in listed.json()] == ["Acme"]


async def test_a_currency_must_be_an_iso_4217_code(acme: Cli) -> None:
    refused = await acme("accounts", "create", "Euro Co", "--currency", "euro")
    assert refused.code == 2
    assert "'EURO' is not an ISO 4217 currency code" in one_line(refused.err)
    made = await acme("accounts", "create", "Euro Co", "--currency", "eur")
    assert made.code == 0, made.err
    listed = {a["name"]: a["currency"] for a in (await acme("accounts", "list", "--json")).json()}
    assert listed == {"Acme": "USD", "Euro Co": "EUR"}


async def test_a_record_name_an_import_would_skip_is_refused(acme: Cli) -> None:
    for name in ["x" * 501, "Tab\there", " "]:
        result = await acme("items", "add", "--account", "Acme", name)
        assert result.code == 2, name
        assert "cannot be empty, longer than 500 characters" in one_line(result.err)
    assert (await acme("items", "list", "--account", "Acme", "--json")).json()["total"] == 0


async def test_prices_are_taken_as_quickbooks_has_them_and_shown_plainly(acme: Cli) -> None:
    for name, price in [("Discount", "-10.5"), ("Big", "1e3"), ("Small", "0.0000001")]:
        added = await acme("items", "add", "--account", "Acme", name, "--price", price)
        assert added.code == 0, added.err
    listed = await acme("items", "list", "--account", "Acme")
    assert listed.out.splitlines() == ["Big\t1000", "Discount\t-10.5", "Small\t0.0000001"]
    page = (await acme("items", "list", "--account", "Acme", "--json")).json()
    assert [item["unit_price"] for item in page["items"]] == ["1000", "-10.5", "0.0000001"]


async def test_a_price_that_is_not_one_says_what_a_price_is(acme: Cli) -> None:
    for price in ["12,50", "nan", "Infinity", "twelve"]:
        result = await acme("items", "add", "--account", "Acme", "Mulch", "--price", price)
        assert result.code == 2
        assert f"argument --price: not a price: '{price}'" in result.err
        assert "e.g. 12.50" in result.err


async def test_a_taken_name_is_named_as_it_is_spelled(acme: Cli) -> None:
    account = await acme("accounts", "create", "  ACME ")
    assert account.code == 1
    assert one_line(account.err) == "invoice2go: An account named 'Acme' already exists."
    await acme("clients", "add", "--account", "Acme", "Cool Cars")
    client = await acme("clients", "add", "--account", "Acme", "COOL  cars")
    assert client.code == 1
    assert one_line(client.err) == "invoice2go: A client named 'Cool Cars' already exists."


async def test_help_speaks_of_an_item(acme: Cli) -> None:
    result = await acme("items", "--help")
    assert "add a item" not in result.out
    assert "add an item by hand" in result.out


async def test_a_price_money_cannot_hold_is_refused_as_an_import_skips_it(acme: Cli) -> None:
    too_big, too_long = "1234567890123456", "0." + "123456789" * 4 + "123"
    for price in [too_big, "-" + too_big, too_long, "1e1000000", "1e-1000000"]:
        result = await acme("items", "add", "--account", "Acme", "Huge", "--price", price)
        assert result.code == 2, price
        assert (
            "argument --price: a price can have at most 15 digits before the point and 34 "
            "digits in all" in result.err
        ), result.err
    assert (await acme("items", "list", "--account", "Acme", "--json")).json()["total"] == 0
    at_limits = ["123456789012345", "0." + "1" * 34, "123456789012345." + "9" * 19]
    for number, price in enumerate(at_limits):
        added = await acme("items", "add", "--account", "Acme", f"Edge {number}", "--price", price)
        assert added.code == 0, added.err
    page = (await acme("items", "list", "--account", "Acme", "--json")).json()
    assert [item["unit_price"] for item in page["items"]] == at_limits
