"""Run the real `invoice2go` command in a subprocess against a simulator on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from qbo_simulator import Simulator, SimulatorConfig

COMMAND = str(Path(sys.executable).with_name("invoice2go"))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Cli:
    """The command line of one deployment: its database file and environment."""

    env: dict[str, str]
    cwd: Path
    database: Path

    async def start(
        self, *args: str, stdin: int = asyncio.subprocess.DEVNULL
    ) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            COMMAND,
            *args,
            env=self.env,
            cwd=self.cwd,
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def __call__(self, *args: str, input: bytes | None = None) -> Result:
        """Run the command to its end, with input on its standard input if given."""
        stdin = asyncio.subprocess.DEVNULL if input is None else asyncio.subprocess.PIPE
        process = await self.start(*args, stdin=stdin)
        out, err = await process.communicate(input)
        assert process.returncode is not None
        return Result(process.returncode, out.decode(), err.decode())


def cli_env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return a clean environment: no .env, no developer settings leaking in."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "SYSTEMROOT", "TMPDIR")}
    return {**keep, "DATABASE_URL": database_url, "LANG": "C.UTF-8", **(extra or {})}


def assert_in_order(text: str, *pieces: str) -> None:
    """Fail unless each piece is in text, after the one before it."""
    at = 0
    for piece in pieces:
        found = text.find(piece, at)
        assert found >= 0, f"{piece!r} not found after position {at} in:\n{text}"
        at = found + len(piece)


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim:
        yield sim


def cli_for(sim: Simulator, folder: Path) -> Cli:
    """Return a command line configured for this simulator and a new database in folder."""
    database = folder / "cli.sqlite3"
    env = cli_env(
        f"sqlite:///{database}",
        {
            "QBO_CLIENT_ID": sim.client_id,
            "QBO_CLIENT_SECRET": sim.client_secret,
            "QBO_API_BASE": sim.api_base,
            "QBO_AUTH_URL": sim.auth_url,
            "QBO_TOKEN_URL": sim.token_url,
            "QBO_REVOKE_URL": sim.revoke_url,
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        },
    )
    return Cli(env, folder, database)


@pytest.fixture
def cli(simulator: Simulator, tmp_path: Path) -> Cli:
    return cli_for(simulator, tmp_path)


async def connected_account(cli: Cli, sim: Simulator, name: str) -> None:
    """Create an account and attach the simulator's company to it, as an operator would."""
    created = await cli("accounts", "create", name)
    assert created.code == 0, created.err
    token = sim.issue_tokens()["refresh_token"]
    connected = await cli(
        "connect", "--account", name, "--realm", sim.realm_id, "--refresh-token", token
    )
    assert connected.code == 0, connected.err
