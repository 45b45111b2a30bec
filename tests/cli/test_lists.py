"""Lists say when there is more than they show, take only sensible bounds, and read nothing
into existence (issue 12, items 1 and 8)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from qbo_simulator import Simulator, SimulatorConfig

from tests.cli.conftest import Cli, cli_env, cli_for, connected_account


@pytest.fixture
async def big(tmp_path: Path) -> AsyncIterator[Cli]:
    """An account holding 117 clients: 120 customers, one duplicate and two inactive."""
    async with Simulator.start(SimulatorConfig(customers=120), host="127.0.0.1", port=0) as sim:
        cli = cli_for(sim, tmp_path)
        await connected_account(cli, sim, "Acme")
        imported = await cli("import", "--account", "Acme", "clients", "--json")
        assert imported.json()["clients"]["imported"] == 117
        yield cli


async def test_a_list_cut_short_says_how_many_more_on_stderr(big: Cli) -> None:
    first = await big("clients", "list", "--account", "Acme")
    assert first.code == 0, first.err
    assert len(first.out.splitlines()) == 50
    assert "50 of 117 clients shown" in first.err
    assert "--offset 50" in first.err

    last = await big("clients", "list", "--account", "Acme", "--offset", "100")
    assert len(last.out.splitlines()) == 17
    assert last.err == ""


async def test_an_empty_page_of_a_full_list_says_how_many_there_are(big: Cli) -> None:
    none = await big("clients", "list", "--account", "Acme", "--limit", "0")
    assert (none.code, none.out) == (0, "")  # standard output stays rows only
    assert none.err == "Nothing shown with --limit 0; there are 117 clients.\n"

    beyond = await big("clients", "list", "--account", "Acme", "--offset", "99999")
    assert (beyond.code, beyond.out) == (0, "")
    assert beyond.err == "Nothing from offset 99999; there are 117 clients.\n"

    searched = await big(
        "clients", "list", "--account", "Acme", "--search", "zzz-none", "--offset", "5"
    )
    assert (searched.out, searched.err) == ("", "No clients match 'zzz-none'.\n")
    florists = await big(
        "clients", "list", "--account", "Acme", "--search", "florist", "--offset", "99999"
    )
    assert florists.out == ""
    assert florists.err.startswith("Nothing from offset 99999; ")
    assert florists.err.endswith(" clients match 'florist'.\n")


async def test_json_lists_carry_the_total(big: Cli) -> None:
    page = (await big("clients", "list", "--account", "Acme", "--json", "--offset", "100")).json()
    assert page["total"] == 117
    assert (page["offset"], page["limit"]) == (100, 50)
    assert len(page["clients"]) == 17
    found = (
        await big("clients", "list", "--account", "Acme", "--search", "FLORIST", "--json")
    ).json()
    assert found["total"] == len(found["clients"]) > 1
    assert all("Florist" in client["name"] for client in found["clients"])
    few = await big("clients", "list", "--account", "Acme", "--search", "florist", "--limit", "1")
    assert few.out.count("\n") == 1
    assert f"1 of {found['total']} clients shown" in few.err


async def test_help_gives_the_defaults(tmp_path: Path) -> None:
    cli = Cli(cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}"), tmp_path, tmp_path / "x.sqlite3")
    result = await cli("clients", "list", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert "(default 50)" in text
    assert "(default 0)" in text


@pytest.mark.parametrize(("option", "value"), [("--limit", "-1"), ("--offset", "-5")])
async def test_negative_bounds_are_refused(tmp_path: Path, option: str, value: str) -> None:
    cli = Cli(cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}"), tmp_path, tmp_path / "x.sqlite3")
    result = await cli("clients", "list", "--account", "Acme", option, value)
    assert result.code == 2
    assert f"argument {option}: must be a whole number, 0 or more, not '{value}'" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("option", "value"),
    [("--offset", "99999999999999999999"), ("--limit", "9223372036854775808")],
)
async def test_bounds_beyond_what_a_store_holds_are_refused(
    tmp_path: Path, option: str, value: str
) -> None:
    cli = Cli(cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}"), tmp_path, tmp_path / "x.sqlite3")
    await cli("accounts", "create", "Acme")
    result = await cli("clients", "list", "--account", "Acme", option, value)
    assert result.code == 2
    most = "9,223,372,036,854,775,807"
    assert (
        f"argument {option}: must be a whole number from 0 to {most}, not '{value}'" in result.err
    )
    assert "Traceback" not in result.err
    largest = await cli("clients", "list", "--account", "Acme", option, "9223372036854775807")
    assert largest.code == 0


async def test_a_search_that_finds_nothing_says_so(tmp_path: Path) -> None:
    cli = Cli(cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}"), tmp_path, tmp_path / "x.sqlite3")
    await cli("accounts", "create", "Acme")
    empty = await cli("items", "list", "--account", "Acme")
    assert (empty.out, empty.err) == ("", "No items yet.\n")  # `| wc -l` counts 0 rows
    await cli("items", "add", "--account", "Acme", "Mulch")
    missed = await cli("items", "list", "--account", "Acme", "--search", "rock")
    assert missed.code == 0
    assert (missed.out, missed.err) == ("", "No items match 'rock'.\n")
    one = await cli("items", "list", "--account", "Acme", "--offset", "1")
    assert (one.out, one.err) == ("", "Nothing from offset 1; there is 1 item.\n")


async def test_reading_creates_no_database(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "there.sqlite3"
    cli = Cli(cli_env(f"sqlite:///{database}"), tmp_path, database)
    listed = await cli("accounts", "list")
    assert listed.code == 0, listed.err
    assert listed.out == "No accounts yet.\n"
    assert (await cli("accounts", "list", "--json")).json() == []
    clients = await cli("clients", "list", "--account", "Acme")
    assert clients.code == 1
    assert "No account named 'Acme'" in clients.err
    assert not (tmp_path / "not").exists()
    assert (await cli("accounts", "create", "Acme")).code == 0
    assert database.exists()
