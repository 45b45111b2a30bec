"""Run one command: read the settings, open the services, print one line on failure.

Exit codes (the README's table): 0 done; 1 a user error or a failed import; 2 bad arguments or
configuration (argparse's own refusals, a value the rules refuse, ConfigurationError); 3 an
import of that kind already running (R8); 130 Ctrl-C; 141 the reader closed the output.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from i18n import N_, _, explain, pick_locale
from importer.domain.errors import (
    ConfigurationError,
    InvalidValue,
    NotConnected,
    ReadableError,
    ReconnectNeeded,
    UserError,
)
from invoice2go import logs
from invoice2go.cli import commands, records, service_commands
from invoice2go.cli.parser import build_parser, parse_command_line
from invoice2go.cli.render import reconnect_hint
from invoice2go.cli.words import argparse_speaks
from invoice2go.settings import Settings, language_from_environment, load_settings

if TYPE_CHECKING:  # the store and HTTP stack load only when a command runs (help stays quick)
    from invoice2go.bootstrap import Services

Command = Callable[["Services", argparse.Namespace], Awaitable[int]]

COMMANDS: dict[str, Command] = {
    "migrate": commands.migrate,
    "accounts": commands.accounts,
    "connect": commands.connect,
    "import": commands.import_command,
    "clients": records.run,
    "items": records.run,
    "jobs": service_commands.jobs,
}

# Commands that only read: a database that does not exist yet is read as an empty one, and
# nothing is created on disk (other commands create it, as `migrate` does).
READ_ONLY = {
    ("accounts", "list"),
    ("clients", "list"),
    ("items", "list"),
    ("jobs", "list"),
}

BAD_ARGUMENTS = 2
STOPPED = 130
PIPE_CLOSED = 141  # 128 + SIGPIPE, as other Unix tools end when the reader goes away


def _require_simulator() -> None:
    """Fail with how to install the simulator when it is missing (it is an optional extra)."""
    try:
        import qbo_simulator  # noqa: F401
    except ModuleNotFoundError as error:
        if error.name != "qbo_simulator":
            raise
        raise UserError(
            N_(
                "the QuickBooks simulator is not installed; install it with: "
                "pip install './simulator' (from this repository) or make setup"
            )
        ) from None


async def demo(settings: Settings, args: argparse.Namespace) -> int:
    _require_simulator()
    from invoice2go.demo import run_demo

    return await run_demo(settings, args.lang or args.locale)


async def qbo_simulator(settings: Settings, args: argparse.Namespace) -> int:
    _require_simulator()
    from invoice2go.simulator_command import serve_simulator

    return await serve_simulator(args)


# Commands that bring their own database or none.
STANDALONE: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[int]]] = {
    "demo": demo,
    "qbo-simulator": qbo_simulator,
    "serve": service_commands.serve,
    "worker": service_commands.worker,
}
# Long-running processes log as services do: JSON lines when not on a terminal, INFO and up.
SERVICE_PROCESSES = ("serve", "worker")


async def dispatch(settings: Settings, args: argparse.Namespace) -> int:
    """Run one parsed command with the services it needs."""
    standalone = STANDALONE.get(args.command)
    if standalone is not None:
        return await standalone(settings, args)
    from invoice2go.bootstrap import open_services

    read_only = (args.command, getattr(args, "action", None)) in READ_ONLY
    async with open_services(settings, read_only=read_only) as services:
        return await COMMANDS[args.command](services, args)


def exit_code(error: ReadableError) -> int:
    """Return the exit code of an error: 2 for bad arguments or configuration, else 1."""
    return BAD_ARGUMENTS if isinstance(error, ConfigurationError | InvalidValue) else 1


def one_line(error: ReadableError, args: argparse.Namespace) -> str:
    """Return what an error says, in the user's language, with the command that fixes it."""
    said = explain(error, args.locale).splitlines()[0]
    account = getattr(args, "account", None)
    if isinstance(error, ReconnectNeeded | NotConnected) and account and args.command != "connect":
        again = isinstance(error, ReconnectNeeded)
        realm = error.realm_id if isinstance(error, ReconnectNeeded) else None
        said += "; " + reconnect_hint(account, realm, args.locale, again=again)
    return said


def _fail(message: str, code: int) -> int:
    print(f"invoice2go: {message}", file=sys.stderr)
    return code


def _pipe_closed() -> int:
    """End quietly when the reader of our output went away (`| head`)."""
    _drop_output()
    return PIPE_CLOSED


def _drop_output() -> None:
    # Python would flush stdout again at exit and complain: point it at nothing instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


# What writing to standard output fails with when it is a full disk, a broken device or a closed
# descriptor (not a closed pipe, which ends quietly).
OUTPUT_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EBADF}


def _output_failed(error: OSError, locale: str) -> int:
    """Say in one line that the output could not be written; the command did not finish."""
    _drop_output()
    problem = error.strerror or str(error)
    return _fail(_("cannot write the output: {problem}", locale, problem=problem), 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; errors print one line and exit non-zero, never a trace."""
    locale = pick_locale(language_from_environment())
    with argparse_speaks(locale):
        args = parse_command_line(build_parser(locale), argv, locale)
    args.locale = locale
    if sys.stdout is None:  # started with its output closed (`>&-`): nothing could be shown
        problem = _("standard output is closed", locale)
        return _fail(_("cannot write the output: {problem}", locale, problem=problem), 1)
    try:
        settings = load_settings()
        if args.command in SERVICE_PROCESSES:
            settings.check_slack()  # they talk to Slack: stop before the store or a worker starts
    except ConfigurationError as error:
        return _fail(explain(error, locale), BAD_ARGUMENTS)
    if args.command in SERVICE_PROCESSES:
        logs.configure(settings.log_level, settings.secret_values())
    else:
        # Commands print what a person needs; logs stay quiet unless LOG_LEVEL asks for more.
        level = settings.log_level if "log_level" in settings.model_fields_set else "WARNING"
        logs.configure(level, settings.secret_values(), json=False, locale=locale)
    try:
        code = asyncio.run(dispatch(settings, args))
        sys.stdout.flush()  # here, where a closed pipe can still be told apart
        return code
    except BrokenPipeError:
        return _pipe_closed()
    except OSError as error:
        if error.errno not in OUTPUT_ERRORS or error.filename is not None:
            raise
        return _output_failed(error, locale)
    except ReadableError as error:
        return _fail(one_line(error, args), exit_code(error))
    except KeyboardInterrupt:
        if args.command == "import":
            return _fail(_("stopped; run the same command again to resume", locale), STOPPED)
        return _fail(_("stopped", locale), STOPPED)


if __name__ == "__main__":
    sys.exit(main())
