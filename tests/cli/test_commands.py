"""Smaller command-line journeys: migrate, accounts, a running import, the progress bar."""

from __future__ import annotations

import asyncio
import os
import pty
from datetime import timedelta
from pathlib import Path

import aiohttp
from qbo_simulator import Simulator, SimulatorConfig

from importer.domain.model import Kind
from storage.sqlite import SqliteStore
from tests.cli.conftest import COMMAND, Cli, assert_in_order, cli_env, connected_account


async def test_migrate_is_idempotent(cli: Cli) -> None:
    for _ in range(2):
        result = await cli("migrate")
        assert result.code == 0, result.err
        assert "The database is ready" in result.out
    assert "secret" not in result.out


async def test_accounts_are_listed_by_name(cli: Cli) -> None:
    await cli("accounts", "create", "Zeta Gardens", "--plan", "professional")
    await cli("accounts", "create", "Acme", "--currency", "eur")
    listed = (await cli("accounts", "list", "--json")).json()
    assert [(a["name"], a["plan"], a["currency"]) for a in listed] == [
        ("Acme", "premium", "EUR"),
        ("Zeta Gardens", "professional", "USD"),
    ]
    text = await cli("accounts", "list")
    assert text.out.splitlines()[0].startswith("Acme\tpremium\tEUR\t")


async def test_asking_again_while_an_import_runs_shows_the_running_one(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    store = SqliteStore(cli.database)
    account = await store.find_account("Acme")
    assert account is not None
    # A worker on another machine is importing clients right now.
    await store.begin_run(
        account.id,
        Kind.CLIENTS,
        simulator.realm_id,
        "worker-2:4242:abcd",
        timedelta(minutes=5),
    )
    await store.close()

    result = await cli("import", "--account", "Acme", "all", "--json")
    assert result.code == 3
    summary = result.json()
    assert summary["clients"]["status"] == "running"
    assert summary["items"]["status"] == "succeeded"
    assert summary["items"]["imported"] == 18
    text = await cli("import", "--account", "Acme", "clients")
    assert "An import of clients is already running for Acme" in text.out


async def test_a_terminal_gets_a_progress_bar(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    leader, follower = pty.openpty()
    process = await asyncio.create_subprocess_exec(
        COMMAND,
        "import",
        "--account",
        "Acme",
        "clients",
        env={**cli.env, "COLUMNS": "80", "TERM": "xterm"},
        cwd=cli.cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    output = b""
    loop = asyncio.get_running_loop()
    while True:
        try:
            chunk = await loop.run_in_executor(None, os.read, leader, 4096)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert await process.wait() == 0
    screen = output.decode(errors="replace")
    assert "29/29" in screen
    assert "Clients: 29 imported" in screen


async def test_a_pipe_gets_no_progress_bar(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    result = await cli("import", "--account", "Acme", "clients")
    assert "29/29" not in result.out
    assert result.out == "Clients: 29 imported\n"


async def test_the_simulator_command_says_how_to_reach_it(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        COMMAND,
        "qbo-simulator",
        "--port",
        "0",
        "--customers",
        "40",
        "--faults",
        "throttle@3",
        env=cli_env(f"sqlite:///{tmp_path / 'unused.sqlite3'}"),
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("  Control API") for line in lines):
        lines.append((await process.stdout.readline()).decode())
    text = "".join(lines)
    control = lines[-1].split()[2]
    async with aiohttp.ClientSession() as session, session.get(control) as response:
        answered = response.status, await response.json()
    process.terminate()
    await process.wait()
    assert "Realm id:        9341455130166501" in text
    assert "Client secret:" in text
    assert "Company: 40 customers, 18 items" in text
    assert "Faults armed: throttle@3" in text
    assert answered[0] == 200
    assert "GET /_simulator/faults" in answered[1]["routes"]


async def test_connecting_another_company_says_which_one_it_replaces(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    other = SimulatorConfig(realm_id="4620816365295005842")
    async with Simulator.start(other, host="127.0.0.1", port=0) as second:
        cli.env.update(
            QBO_API_BASE=second.api_base,
            QBO_TOKEN_URL=second.token_url,
            QBO_REVOKE_URL=second.revoke_url,
        )
        token = second.issue_tokens()["refresh_token"]
        result = await cli(
            "connect", "--account", "Acme", "--realm", second.realm_id, "--refresh-token", token
        )
        again = await cli(
            "connect",
            "--account",
            "Acme",
            "--realm",
            second.realm_id,
            "--refresh-token",
            second.issue_tokens()["refresh_token"],
        )
    assert result.code == 0, result.err
    assert "(4620816365295005842)" in result.out
    assert "It replaces QuickBooks company Sandbox Company_US_1 (9341455130166501)" in result.out
    assert "It replaces" not in again.out


async def test_a_bad_fault_is_one_clear_line(tmp_path: Path) -> None:
    cli = Cli(cli_env(f"sqlite:///{tmp_path / 'x.sqlite3'}"), tmp_path, tmp_path / "x.sqlite3")
    result = await cli("qbo-simulator", "--faults", "throttle@soon")
    assert result.code == 2
    assert result.err.startswith("invoice2go: --faults:")
    assert "Traceback" not in result.err


async def test_an_operator_cancels_a_stuck_import(cli: Cli, simulator: Simulator) -> None:
    await connected_account(cli, simulator, "Acme")
    store = SqliteStore(cli.database)
    account = await store.find_account("Acme")
    assert account is not None
    # A worker on another machine hangs on clients, its lease renewed by a heartbeat.
    stuck = await store.begin_run(
        account.id, Kind.CLIENTS, simulator.realm_id, "worker-2:4242:abcd", timedelta(hours=1)
    )
    await store.close()
    assert (await cli("import", "--account", "Acme", "clients")).code == 3

    cancelled = await cli("import", "cancel", "--account", "Acme", "clients")

    assert cancelled.code == 0, cancelled.err
    assert cancelled.out.strip() == (
        f"Cancelled the import of clients for Acme (run {stuck.id}, 0 records read); "
        "the next import starts anew."
    )
    again = await cli("import", "--account", "Acme", "clients", "--json")
    assert again.code == 0, again.err
    assert again.json()["clients"]["imported"] == 29
    assert again.json()["clients"]["run_id"] != stuck.id
    nothing = await cli("import", "cancel", "--account", "Acme", "items")
    assert (nothing.code, nothing.out.strip()) == (0, "No import of items to cancel for Acme.")
    unsaid = await cli("import", "cancel", "--account", "Acme")
    assert unsaid.code == 2
    assert "clients or items" in unsaid.err
    assert unsaid.err.startswith("usage: invoice2go import [-h] --account NAME")  # its own usage


async def test_the_demo_tells_the_story_through_slack(tmp_path: Path) -> None:
    # Slack settings of a developer's own app are in the environment: the demo uses none.
    database = tmp_path / "never.sqlite3"
    slack = {
        "SLACK_BOT_TOKEN": "xoxb-of-a-real-workspace",
        "SLACK_APP_TOKEN": "xapp-of-a-real-app",
        "SLACK_SIGNING_SECRET": "a-real-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    cli = Cli(cli_env(f"sqlite:///{database}", slack), tmp_path, database)

    result = await cli("demo")

    assert result.code == 0, result.err
    assert result.err == ""
    out = result.out
    assert_in_order(
        out,
        "Ada adds invoice2go to the Slack workspace “Demo Landscaping”",
        "invoice2go is now part of the workspace Demo Landscaping.",
        "Ada types /invoice2go connect",
        "Step 1 of 4",
        "Demo Landscaping is now connected to the QuickBooks company Sandbox Company_US_1.",
        "Meanwhile the window in Slack has moved on by itself:",
        "Step 2 of 4",
        "Ada chooses “Landscaping Services”",
        "Step 3 of 4",
        "The currencies match.",
        "Step 4 of 4",
        "Importing clients + items.",
        "invoice2go writes to Ada (a direct message)",
        "Import finished",
        "Clients: 29 imported",
        "Items: 18 imported",
        "Ada types /invoice2go clients amy",
        "Amy's Bird Sanctuary  [Delete]",
        "Deleted Amy's Bird Sanctuary. It will not be imported from QuickBooks again.",
        "Ada types /invoice2go import all",
        # Only what is new comes in; the deleted client stays deleted.
        "Clients: 1 imported; 28 skipped: the name already exists; "
        "1 skipped: deleted here before; 1 skipped: duplicate name in QuickBooks",
        "Items: 1 imported; 18 skipped: the name already exists",
        "Mo, a member of the workspace but not an admin, types /invoice2go import clients",
        "invoice2go writes to Mo (a direct message)",
        "Import failed",
        "an admin must reconnect QuickBooks",
        "invoice2go writes to Ada, an admin (a direct message)",
        "QuickBooks no longer accepts the saved sign-in: imports wait until an admin reconnects.",
        "[Reconnect]",
        "Mo tries again: /invoice2go import clients",
        "QuickBooks must be connected again by an admin: /invoice2go connect",
        "In all, 1 message asked to reconnect, to Ada",
    )
    assert out.count("[Reconnect]") == 1  # one reconnect message, not one per failure
    assert not database.exists()  # a throwaway store, removed at the end
