"""Ports no socket can use and output that cannot be written end with one line and a non-zero
exit code, never a traceback."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from tests.cli.conftest import COMMAND, Cli, cli_env


def offline(tmp_path: Path, **env: str) -> Cli:
    database = tmp_path / "service.sqlite3"
    return Cli({**cli_env(f"sqlite:///{database}"), **env}, tmp_path, database)


def last_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, err
    return lines[-1]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("serve", "--port", "70000"), "--port"),
        (("serve", "--port", "0"), "--port"),
        (("qbo-simulator", "--port", "99999"), "--port"),
    ],
)
async def test_a_port_out_of_range_is_a_bad_argument(
    tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    result = await offline(tmp_path)(*args)
    assert result.code == 2
    line = last_line(result.err)
    assert named in line
    assert "65535" in line


async def test_a_port_setting_out_of_range_is_bad_configuration(tmp_path: Path) -> None:
    result = await offline(tmp_path, PORT="70000")("serve")
    assert result.code == 2
    assert last_line(result.err) == (
        "invoice2go: invalid configuration: PORT: must be a port number from 1 to 65535, not 70000"
    )


async def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await offline(tmp_path)("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.code == 1
    line = last_line(result.err)
    assert line.startswith(f"invoice2go: cannot listen on 127.0.0.1:{port}: "), line


async def run_into(cli: Cli, shell_redirect: str, *args: str) -> tuple[int, str]:
    """Run a command with its standard output redirected by the shell (`> /dev/full`, `>&-`)."""
    process = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        f'exec "$0" "$@" {shell_redirect}',
        COMMAND,
        *args,
        env=cli.env,
        cwd=cli.cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_a_full_disk_under_the_output_is_one_line(tmp_path: Path) -> None:
    cli = offline(tmp_path)
    await cli("accounts", "create", "Acme")
    code, err = await run_into(cli, "> /dev/full", "accounts", "list")
    assert code == 1
    assert [last_line(err)] == err.strip().splitlines()
    assert err.strip() == "invoice2go: cannot write the output: No space left on device"


async def test_a_closed_output_is_one_line(tmp_path: Path) -> None:
    cli = offline(tmp_path, LANG="es_ES.UTF-8")
    code, err = await run_into(cli, ">&-", "accounts", "list")
    assert code == 1
    assert [last_line(err)] == err.strip().splitlines()
    assert err.strip() == (
        "invoice2go: no se puede escribir la salida: la salida estándar está cerrada"
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("QBO_REDIRECT_URI", "notaurl"),
        ("QBO_API_BASE", "notaurl"),
        ("QBO_API_BASE", "ftp://x/v3"),
        ("QBO_AUTH_URL", "https://"),
        ("QBO_TOKEN_URL", "http://intuit:99999/tokens"),
        ("QBO_REVOKE_URL", "/v2/oauth2/tokens/revoke"),
        ("SLACK_API_URL", "slack.com/api"),
    ],
)
async def test_an_address_setting_must_be_a_web_address(
    tmp_path: Path, variable: str, value: str
) -> None:
    cli = offline(tmp_path, **{variable: value})
    result = await cli("connect", "--account", "Acme")
    assert result.code == 2
    assert last_line(result.err) == (
        f"invoice2go: invalid configuration: {variable}: must be a full http:// or https:// "
        f"address, not {value!r}"
    )
    assert result.out == ""  # no sign-in link made of it
