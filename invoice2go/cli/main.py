"""Run one command: read the settings, open the services, print one line on failure."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence

from importer.domain.errors import (
    ConfigurationError,
    NoSuchAccount,
    PlanNotEnabled,
    QboError,
    StoreError,
    UserError,
)
from invoice2go.bootstrap import Services, open_services
from invoice2go.cli import commands, records
from invoice2go.cli.parser import build_parser, parse_command_line
from invoice2go.i18n import pick_locale, t
from invoice2go.settings import Settings, SettingsError, load_settings

Command = Callable[[Services, argparse.Namespace], Awaitable[int]]

COMMANDS: dict[str, Command] = {
    "migrate": commands.migrate,
    "accounts": commands.accounts,
    "connect": commands.connect,
    "import": commands.import_command,
    "clients": records.run,
    "items": records.run,
}


def _require_simulator() -> None:
    """Fail with how to install the simulator when it is missing (it is an optional extra)."""
    try:
        import qbo_simulator  # noqa: F401
    except ModuleNotFoundError as error:
        if error.name != "qbo_simulator":
            raise
        raise UserError(
            "the QuickBooks simulator is not installed; install it with: "
            "pip install './simulator' (from this repository) or make setup"
        ) from None


async def demo(settings: Settings, args: argparse.Namespace) -> int:
    _require_simulator()
    from invoice2go.demo import run_demo

    return await run_demo(settings, args.locale)


async def qbo_simulator(settings: Settings, args: argparse.Namespace) -> int:
    _require_simulator()
    from invoice2go.simulator_command import serve_simulator

    return await serve_simulator(args)


# Commands that bring their own database or none.
STANDALONE: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[int]]] = {
    "demo": demo,
    "qbo-simulator": qbo_simulator,
}


async def dispatch(settings: Settings, args: argparse.Namespace) -> int:
    """Run one parsed command with the services it needs."""
    standalone = STANDALONE.get(args.command)
    if standalone is not None:
        return await standalone(settings, args)
    async with open_services(settings) as services:
        return await COMMANDS[args.command](services, args)


def one_line(error: BaseException, locale: str) -> str:
    """Return the first line of an error's message, in the user's language where it has one."""
    if isinstance(error, NoSuchAccount):
        return t("error.no_account", locale, name=error.name)
    if isinstance(error, PlanNotEnabled):
        return t("error.plan", locale, plan=error.plan, plans=" / ".join(error.enabled))
    return str(error).splitlines()[0] if str(error) else error.__class__.__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user errors print one line and exit non-zero, never a trace."""
    args = parse_command_line(build_parser(), argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"invoice2go: {error}", file=sys.stderr)
        return 2
    args.locale = pick_locale(settings.lang)
    # Commands print what a person needs; logs stay quiet unless LOG_LEVEL asks for more.
    level = settings.log_level if "log_level" in settings.model_fields_set else "WARNING"
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(dispatch(settings, args))
    except (UserError, StoreError, ConfigurationError, QboError) as error:
        print(f"invoice2go: {one_line(error, args.locale)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        again = "; run the same command again to resume" if args.command == "import" else ""
        print(f"invoice2go: stopped{again}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
