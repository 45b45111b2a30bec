"""One rule for exit codes, as the README's table says, and never a traceback (issue 12, items
4 and 5): 0 done, 1 a user error or a failed import, 2 bad arguments or configuration, 3 an
import already running (tested in test_commands), 130 Ctrl-C, 141 a reader that closed the pipe."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from qbo_simulator import Simulator, SimulatorConfig

from tests.cli.conftest import COMMAND, Cli, cli_env, cli_for, connected_account


def offline(tmp_path: Path, **env: str) -> Cli:
    database = tmp_path / "codes.sqlite3"
    return Cli({**cli_env(f"sqlite:///{database}"), **env}, tmp_path, database)


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "foo"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://user:secret@db/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///"}, "DATABASE_URL"),
        ({"TOKEN_ENCRYPTION_KEY": "not-a-key"}, "TOKEN_ENCRYPTION_KEY"),
        ({"QBO_ENABLED_PLANS": "gold"}, "QBO_ENABLED_PLANS"),
        ({"DEFAULT_PLAN": "gold"}, "DEFAULT_PLAN"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL"),
        ({"QBO_ENVIRONMENT": "staging"}, "QBO_ENVIRONMENT"),
    ],
)
async def test_bad_configuration_exits_2_naming_the_variable(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = await offline(tmp_path, **env)("accounts", "list")
    assert result.code == 2
    line = one_line(result.err)
    assert named in line
    assert "Value error" not in line
    assert "secret" not in line
    assert not os.listdir(tmp_path)  # nothing was opened or made


async def test_every_bad_value_is_named_at_once(tmp_path: Path) -> None:
    result = await offline(tmp_path, LOG_LEVEL="loud", QBO_ENABLED_PLANS="gold")("accounts", "list")
    assert result.code == 2
    line = one_line(result.err)
    assert "LOG_LEVEL" in line
    assert "QBO_ENABLED_PLANS" in line


async def test_a_problem_naming_its_variable_is_not_named_twice(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgres://db/x", "TOKEN_ENCRYPTION_KEY": "nope", "LOG_LEVEL": "loud"}
    result = await offline(tmp_path, **env)("accounts", "list")
    assert result.code == 2
    assert one_line(result.err) == (
        "invoice2go: invalid configuration: DATABASE_URL must start with sqlite:///, mongodb:// "
        "or mongodb+srv://, not 'postgres'; TOKEN_ENCRYPTION_KEY must be comma-separated Fernet "
        "keys (32 url-safe base64-encoded bytes each); LOG_LEVEL: must be one of DEBUG, INFO, "
        "WARNING, ERROR, or CRITICAL, not 'loud'"
    )


async def test_plans_are_read_in_any_case(tmp_path: Path) -> None:
    cli = offline(tmp_path, QBO_ENABLED_PLANS="Premium, Professional", DEFAULT_PLAN="Starter")
    created = await cli("accounts", "create", "Acme")
    assert created.code == 0, created.err
    assert "starter plan" in created.out


async def test_missing_qbo_keys_exit_2_when_qbo_is_needed(tmp_path: Path) -> None:
    cli = offline(tmp_path)
    assert (await cli("accounts", "create", "Acme")).code == 0
    result = await cli("connect", "--account", "Acme", "--realm", "1", "--refresh-token", "x")
    assert result.code == 2
    assert "QBO_CLIENT_ID" in one_line(result.err)


async def test_a_bad_fault_spec_is_a_bad_argument(tmp_path: Path) -> None:
    result = await offline(tmp_path)("qbo-simulator", "--faults", "throttle@soon")
    assert result.code == 2
    assert "--faults" in one_line(result.err)


async def test_user_errors_exit_1(tmp_path: Path) -> None:
    result = await offline(tmp_path)("clients", "list", "--account", "Nobody")
    assert result.code == 1
    assert "No account named 'Nobody'" in one_line(result.err)


async def closed_pipe(cli: Cli, *args: str) -> tuple[int, bytes]:
    """Run a command whose standard output the reader closes at once, as `head` does."""
    read_end, write_end = os.pipe()
    process = await asyncio.create_subprocess_exec(
        COMMAND,
        *args,
        env=cli.env,
        cwd=cli.cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=write_end,
        stderr=asyncio.subprocess.PIPE,
    )
    os.close(write_end)
    os.close(read_end)
    _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err


async def test_a_reader_closing_the_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    cli = offline(tmp_path)
    await cli("accounts", "create", "Acme")
    assert await closed_pipe(cli, "accounts", "list") == (141, b"")  # written when it ends


async def test_a_long_list_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    async with Simulator.start(SimulatorConfig(customers=700), host="127.0.0.1", port=0) as sim:
        cli = cli_for(sim, tmp_path)
        await connected_account(cli, sim, "Acme")
        await cli("import", "--account", "Acme", "clients")
        # More than the pipe's buffer: written while the list is printed.
        code, err = await closed_pipe(cli, "clients", "list", "--account", "Acme", "--limit", "700")
    assert (code, err) == (141, b"")


async def test_ctrl_c_stops_an_import_with_130_and_says_how_to_resume(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    simulator.inject("hang@*")
    simulator.requests.clear()
    process = await cli.start("import", "--account", "Acme", "clients")
    for _ in range(400):  # until QuickBooks has the first request, at most 20 s
        if simulator.requests:
            break
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = await process.communicate()
    assert process.returncode == 130
    assert one_line(err.decode()) == "invoice2go: stopped; run the same command again to resume"
