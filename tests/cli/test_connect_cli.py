"""`invoice2go connect`: the refresh token from standard input or the environment, not argv."""

from __future__ import annotations

from qbo_simulator import Simulator

from tests.cli.conftest import Cli


async def account(cli: Cli) -> None:
    created = await cli("accounts", "create", "Acme")
    assert created.code == 0, created.err


def connect_args(sim: Simulator, *token: str) -> list[str]:
    return ["connect", "--account", "Acme", "--realm", sim.realm_id, *token]


async def test_the_refresh_token_can_come_from_standard_input(
    cli: Cli, simulator: Simulator
) -> None:
    await account(cli)
    token = simulator.issue_tokens()["refresh_token"]

    result = await cli(
        *connect_args(simulator, "--refresh-token", "-"), input=f"{token}\n".encode()
    )

    assert result.code == 0, result.err
    assert result.out.startswith("Connected Acme to QuickBooks company Sandbox Company")
    assert token not in result.out + result.err
    imported = await cli("import", "--account", "Acme", "clients")
    assert imported.out == "Clients: 29 imported\n"


async def test_the_refresh_token_can_come_from_the_environment(
    cli: Cli, simulator: Simulator
) -> None:
    await account(cli)
    cli.env["QBO_REFRESH_TOKEN"] = simulator.issue_tokens()["refresh_token"]

    result = await cli(*connect_args(simulator))

    assert result.code == 0, result.err
    assert result.out.startswith("Connected Acme to QuickBooks company Sandbox Company")
    assert simulator.oauth_requests == ["refresh_token"]


async def test_help_says_how_to_keep_the_token_out_of_the_command_line(cli: Cli) -> None:
    result = await cli("connect", "--help")

    assert result.code == 0
    text = " ".join(result.out.split())
    assert "--refresh-token -" in text
    assert "standard input" in text
    assert "QBO_REFRESH_TOKEN" in text


async def test_no_token_or_an_empty_one_is_one_clear_line(cli: Cli, simulator: Simulator) -> None:
    await account(cli)

    missing = await cli(*connect_args(simulator))
    empty = await cli(*connect_args(simulator, "--refresh-token", "-"), input=b"\n")

    for result in (missing, empty):
        assert result.code == 2  # an argument the rules refuse (README's exit codes)
        assert result.err.count("\n") == 1
        assert "Traceback" not in result.err
    assert "--refresh-token -" in missing.err
    assert "QBO_REFRESH_TOKEN" in missing.err
    assert "standard input" in empty.err
    assert simulator.oauth_requests == []


async def test_a_realm_id_that_is_not_digits_spends_no_token(
    cli: Cli, simulator: Simulator
) -> None:
    await account(cli)
    token = simulator.issue_tokens()["refresh_token"]

    result = await cli(
        "connect",
        "--account",
        "Acme",
        "--realm",
        "acme-books",
        "--refresh-token",
        "-",
        input=token.encode(),
    )

    assert result.code == 2
    assert result.err == (
        "invoice2go: 'acme-books' is not a QuickBooks company id (realm id): it is digits only, "
        "for example 9341455130166501\n"
    )
    assert simulator.oauth_requests == []


async def test_a_token_without_the_company_it_belongs_to_is_a_bad_argument(
    cli: Cli, simulator: Simulator
) -> None:
    await account(cli)

    result = await cli(
        "connect", "--account", "Acme", "--refresh-token", "-", input=b"some-token\n"
    )

    assert result.code == 2
    assert result.err == (
        "invoice2go: --refresh-token needs --realm: the company the token belongs to\n"
    )
    assert simulator.oauth_requests == []
