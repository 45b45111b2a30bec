"""What an import tells while it waits and when it fails (issue 12, items 2, 3 and 7)."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.fernet import Fernet
from qbo_simulator import Simulator

from tests.cli.conftest import Cli, cli_env, connected_account

GOING_ON = re.compile(r"QuickBooks is limiting requests; going on at \d\d:\d\d:\d\d")


async def test_a_throttled_import_says_when_it_goes_on(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    simulator.inject("throttle@2~retry-after=1")  # the first page's query gets a 429
    result = await cli("import", "--account", "Acme", "clients")
    assert result.code == 0, result.err
    assert result.out == "Clients: 29 imported\n"
    assert len(GOING_ON.findall(result.err)) == 1, result.err

    simulator.inject("throttle@2~retry-after=1")
    cli.env["LOG_LEVEL"] = "INFO"
    logged = await cli("import", "--account", "Acme", "items", "--json")
    assert logged.json()["items"]["imported"] == 18
    assert GOING_ON.search(logged.err)
    assert re.search(r"INFO importer\.services\.imports: .*limiting requests", logged.err)


async def test_every_kind_asked_for_has_an_entry_when_qbo_refuses(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    simulator.inject("expire@*")  # every request is refused as unauthorised
    result = await cli("import", "--account", "Acme", "all", "--json")
    assert result.code == 1
    summary = result.json()
    for kind in ("clients", "items"):
        assert summary[kind]["status"] == "failed"
        assert "QuickBooks refused access" in summary[kind]["error"]

    text = await cli("import", "--account", "Acme", "all")
    assert text.code == 1
    lines = text.out.splitlines()
    assert lines[0].startswith("Clients: the import failed: QuickBooks refused access")
    assert "0 imported" not in text.out
    assert any(line.startswith("Items: the import failed") for line in lines)


async def test_an_import_that_cannot_start_lists_every_kind_as_not_run(tmp_path: Path) -> None:
    cli = Cli(cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}"), tmp_path, tmp_path / "x.sqlite3")
    cli.env.update(
        QBO_CLIENT_ID="id",
        QBO_CLIENT_SECRET="s",
        TOKEN_ENCRYPTION_KEY=Fernet.generate_key().decode(),
    )
    await cli("accounts", "create", "Acme")
    result = await cli("import", "--account", "Acme", "all", "--json")
    assert result.code == 1
    summary = result.json()
    for kind in ("clients", "items"):
        assert summary[kind]["status"] == "not_run"
        assert "not connected to QuickBooks" in summary[kind]["reason"]
    assert "not connected to QuickBooks" in result.err


async def test_a_refused_authorisation_says_how_to_reconnect_and_shows_no_internal_ids(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    account_id = (await cli("accounts", "list", "--json")).json()[0]["id"]
    simulator.inject("expire@1")
    simulator.inject("invalid_grant")
    failed = await cli("import", "--account", "Acme", "clients")
    assert failed.code == 1
    assert "an admin must reconnect" in failed.out
    assert "invoice2go connect --account Acme" in failed.out
    assert account_id not in failed.out + failed.err
    assert "WARNING" not in failed.err

    # The token goes on standard input (README, connect --help), never in the arguments.
    command = f"invoice2go connect --account Acme --realm {simulator.realm_id} --refresh-token -"
    assert command in failed.out
    assert "--refresh-token TOKEN" not in failed.out
    assert "(the refresh token on standard input, or in QBO_REFRESH_TOKEN)" in failed.out

    again = await cli("import", "--account", "Acme", "clients")
    assert again.code == 1
    assert command in again.err  # the realm is known on every attempt
    assert "REALM_ID" not in again.err
    assert len(again.err.splitlines()) == 1
    as_json = await cli("import", "--account", "Acme", "clients", "--json")
    assert as_json.code == 1
    assert as_json.json()["realm_id"] == simulator.realm_id


async def test_a_lost_key_file_is_named_and_not_replaced(cli: Cli, simulator: Simulator) -> None:
    del cli.env["TOKEN_ENCRYPTION_KEY"]  # the key file beside the database is used
    await connected_account(cli, simulator, "Acme")
    key_file = cli.database.parent / "token-encryption.key"
    assert key_file.exists()
    key_file.unlink()

    result = await cli("import", "--account", "Acme", "all")
    assert result.code == 2
    assert str(key_file) in result.err
    assert "TOKEN_ENCRYPTION_KEY" in result.err
    assert len(result.err.splitlines()) == 1
    assert not key_file.exists()


async def test_the_plan_message_tells_only_what_is_true(cli: Cli, simulator: Simulator) -> None:
    await cli("accounts", "create", "Tiny", "--plan", "starter")
    starter = await cli("import", "--account", "Tiny", "clients")
    assert starter.code == 1
    assert "Upgrade to premium or professional to import." in starter.err
    assert "what was imported stays" not in starter.err

    await connected_account(cli, simulator, "Acme")
    assert (await cli("import", "--account", "Acme", "items")).code == 0
    cli.env["QBO_ENABLED_PLANS"] = "professional"  # Acme is on premium
    downgraded = await cli("import", "--account", "Acme", "items")
    assert downgraded.code == 1
    assert "Upgrade to professional to import; what was imported stays." in downgraded.err

    cli.env["QBO_ENABLED_PLANS"] = ""
    nobody = await cli("import", "--account", "Tiny", "clients")
    assert nobody.code == 1
    assert "no plan includes it on this service" in nobody.err
    assert "Upgrade to  to" not in nobody.err
