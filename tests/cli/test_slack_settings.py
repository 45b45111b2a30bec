"""A deployment whose Slack settings are incomplete stops at start with one line naming what
is missing, before the store is made or a worker starts (exit 2, no traceback)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, Result, cli_env

OAUTH_WITHOUT_SECRET = {"SLACK_SIGNING_SECRET": "x", "SLACK_CLIENT_ID": "1.2"}
SOCKET_MODE_WITHOUT_SIGNING_SECRET = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}


async def run(cli: Cli, *args: str) -> Result:
    """Run a service process; one that did not stop by itself is stopped, and fails the test."""
    process = await cli.start(*args)
    try:
        out, err = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        await process.communicate()
        pytest.fail(f"`invoice2go {' '.join(args)}` started with incomplete Slack settings")
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


@pytest.mark.parametrize(
    ("command", "slack", "missing"),
    [
        (("serve", "--port", "8099"), OAUTH_WITHOUT_SECRET, "SLACK_CLIENT_SECRET"),
        (("serve", "--port", "8099"), SOCKET_MODE_WITHOUT_SIGNING_SECRET, "SLACK_SIGNING_SECRET"),
        (("worker",), OAUTH_WITHOUT_SECRET, "SLACK_CLIENT_SECRET"),
        (("worker",), SOCKET_MODE_WITHOUT_SIGNING_SECRET, "SLACK_SIGNING_SECRET"),
    ],
)
async def test_incomplete_slack_settings_stop_a_service_before_it_starts(
    tmp_path: Path, command: tuple[str, ...], slack: dict[str, str], missing: str
) -> None:
    database = tmp_path / "never.sqlite3"
    cli = Cli(cli_env(f"sqlite:///{database}", slack), tmp_path, database)

    result = await run(cli, *command)

    assert result.code == 2
    assert result.err == f"invoice2go: missing configuration: set {missing}\n"
    assert result.out == ""
    assert not database.exists()
