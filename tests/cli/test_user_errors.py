"""Bad input gets one clear line and a non-zero exit, never a traceback, and loses nothing."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from tests.cli.conftest import Cli, cli_env

KEY = Fernet.generate_key().decode()


def offline_cli(tmp_path: Path, database_url: str | None = None) -> Cli:
    database = tmp_path / "errors.sqlite3"
    return Cli(cli_env(database_url or f"sqlite:///{database}"), tmp_path, database)


def one_line_error(result_err: str) -> str:
    lines = [line for line in result_err.splitlines() if line.strip()]
    assert len(lines) == 1, result_err
    assert "Traceback" not in result_err
    return lines[0]


async def test_unknown_account(tmp_path: Path) -> None:
    result = await offline_cli(tmp_path)("import", "--account", "Nobody", "all")
    assert result.code == 1
    line = one_line_error(result.err)
    assert "No account named 'Nobody'" in line
    assert "invoice2go accounts create 'Nobody'" in line


async def test_bad_arguments(tmp_path: Path) -> None:
    result = await offline_cli(tmp_path)("import", "--account", "Acme", "invoices")
    assert result.code == 2
    assert "invalid choice: 'invoices'" in result.err
    assert "Traceback" not in result.err


async def test_unreachable_database(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path, "mongodb://127.0.0.1:9/invoice2go?serverSelectionTimeoutMS=300")
    result = await cli("accounts", "list")
    assert result.code == 1
    assert "cannot reach the database" in one_line_error(result.err)


async def test_unknown_database_kind(tmp_path: Path) -> None:
    result = await offline_cli(tmp_path, "postgres://user:secret@db/x")("accounts", "list")
    assert result.code == 2
    line = one_line_error(result.err)
    assert "DATABASE_URL must start with" in line
    assert "secret" not in line


async def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    cli.env["DEFAULT_PLAN"] = "gold"
    result = await cli("accounts", "create", "Acme")
    assert result.code == 2
    assert "DEFAULT_PLAN" in one_line_error(result.err)


async def test_duplicate_account_name(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    assert (await cli("accounts", "create", "Acme")).code == 0
    result = await cli("accounts", "create", "  ACME ")
    assert result.code == 1
    assert "already exists" in one_line_error(result.err)
    listed = await cli("accounts", "list", "--json")
    assert [a["name"] for a in listed.json()] == ["Acme"]


async def test_plan_without_the_integration_gets_an_upgrade_message(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    assert (await cli("accounts", "create", "Tiny", "--plan", "starter")).code == 0
    result = await cli("import", "--account", "Tiny", "clients")
    assert result.code == 1
    line = one_line_error(result.err)
    assert "starter plan does not include the QuickBooks integration" in line
    assert "Upgrade to premium or professional to import." in line


async def test_import_before_connecting(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    cli.env.update(QBO_CLIENT_ID="id", QBO_CLIENT_SECRET="secret", TOKEN_ENCRYPTION_KEY=KEY)
    assert (await cli("accounts", "create", "Acme")).code == 0
    result = await cli("import", "--account", "Acme", "all")
    assert result.code == 1
    line = one_line_error(result.err)
    assert "not connected to QuickBooks" in line
    assert line.endswith(
        "connect it with: invoice2go connect --account Acme --realm REALM_ID --refresh-token - "
        "(the refresh token on standard input, or in QBO_REFRESH_TOKEN)"
    )


async def test_an_unknown_account_is_offered_for_creation_only_with_a_name_that_can_be_made(
    tmp_path: Path,
) -> None:
    cli = offline_cli(tmp_path)
    known = await cli("clients", "list", "--account", "Acme")
    assert known.code == 1
    assert one_line_error(known.err).endswith(
        "No account named 'Acme'. Create it with: invoice2go accounts create 'Acme'"
    )
    for name in ["", "  ", "Tab\there", "x" * 501]:
        unknown = await cli("clients", "list", "--account", name)
        assert unknown.code == 1, name
        line = one_line_error(unknown.err)
        assert line.endswith(f"No account named {name!r}."), line
        assert "accounts create" not in line


async def test_deleting_a_name_that_is_not_there(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    await cli("accounts", "create", "Acme")
    await cli("clients", "add", "--account", "Acme", "Cool Cars")
    result = await cli("clients", "delete", "--account", "Acme", "Hot Cars", "cool CARS")
    assert result.code == 1
    assert result.err == "No client named or with id 'Hot Cars' in Acme.\n"  # not on stdout
    assert result.out.startswith("Deleted 'Cool Cars'.")


async def test_item_price_must_be_a_number(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    await cli("accounts", "create", "Acme")
    result = await cli("items", "add", "--account", "Acme", "Mulch", "--price", "12,50")
    assert result.code == 2
    assert "not a price: '12,50'" in result.err
    ok = await cli("items", "add", "--account", "Acme", "Mulch", "--price", "12.50")
    assert ok.code == 0
    listed = await cli("items", "list", "--account", "Acme", "--json")
    assert listed.json()["items"][0]["unit_price"] == "12.50"


async def test_adding_an_existing_name_by_hand(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    await cli("accounts", "create", "Acme")
    await cli("clients", "add", "--account", "Acme", "Amy's Bird Sanctuary")
    result = await cli("clients", "add", "--account", "Acme", "AMY’S bird sanctuary")
    assert result.code == 1
    assert "already exists" in one_line_error(result.err)
