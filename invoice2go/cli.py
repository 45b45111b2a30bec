"""The `invoice2go` command line (product.md section 5)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pymongo.errors import PyMongoError

from importer.domain.errors import QboError, StoreError, UserError
from importer.domain.model import PLANS
from invoice2go import records_cli
from invoice2go.context import Services, open_services
from invoice2go.i18n import pick_locale, t
from invoice2go.importing import KIND_CHOICES, check_plan, run_import, summary_lines
from invoice2go.progress import progress_display
from invoice2go.settings import Settings, SettingsError, load_settings

Command = Callable[[Services, argparse.Namespace], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="invoice2go",
        description="Import QuickBooks Online customers and items into an Invoice2go account.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("migrate", help="create the database's tables and indexes (idempotent)")
    commands.add_parser("demo", help="the whole product on this machine, no credentials needed")

    accounts = commands.add_parser("accounts", help="create and list invoicing accounts")
    account_commands = accounts.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = account_commands.add_parser("create", help="create an account")
    create.add_argument("name")
    create.add_argument("--plan", choices=PLANS, help="plan (default: DEFAULT_PLAN)")
    create.add_argument("--currency", default="USD", help="the account's currency (default USD)")
    listing = account_commands.add_parser("list", help="list accounts")
    listing.add_argument("--json", action="store_true", help="print JSON")

    connect = commands.add_parser(
        "connect", help="attach a QuickBooks company with a refresh token obtained elsewhere"
    )
    connect.add_argument("--account", required=True, help="account name")
    connect.add_argument("--realm", required=True, help="the QBO company id (realmId)")
    connect.add_argument("--refresh-token", required=True, help="an Intuit refresh token")

    importing = commands.add_parser("import", help="import clients, items or both from QBO")
    importing.add_argument("--account", required=True, help="account name")
    importing.add_argument(
        "what",
        choices=sorted(KIND_CHOICES),
        metavar="clients|items|all",
        help="what to import (also clientes, conceptos, todo)",
    )
    importing.add_argument("--json", action="store_true", help="print the summary as JSON")

    records_cli.add_parsers(commands)

    simulator = commands.add_parser("qbo-simulator", help="run the local QuickBooks stand-in")
    simulator.add_argument(
        "--port", type=int, default=8765, help="port to listen on, 0 for any free one (8765)"
    )
    simulator.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    simulator.add_argument(
        "--customers",
        type=int,
        default=29,
        help="customers in the company: 29 is Intuit's sample company, more are generated",
    )
    simulator.add_argument(
        "--items", type=int, default=18, help="items in the company (18, the sample company's)"
    )
    simulator.add_argument(
        "--latency-ms", type=int, default=0, help="delay before every API answer, in ms (0)"
    )
    simulator.add_argument(
        "--faults",
        default="",
        help="faults to inject, e.g. 'throttle@3,503@start=201' (grammar in the README)",
    )
    return parser


async def migrate(services: Services, args: argparse.Namespace) -> int:
    await services.store.migrate()
    where = services.settings.database_url.split("@")[-1]
    print(t("migrated", args.locale, where=where))
    return 0


async def accounts(services: Services, args: argparse.Namespace) -> int:
    if args.action == "create":
        plan = args.plan or services.settings.default_plan
        account = await services.store.create_account(args.name, plan, args.currency.upper())
        print(t("account.created", args.locale, name=account.name, plan=account.plan))
        return 0
    rows = await services.store.list_accounts()
    if args.json:
        print(json.dumps([_account_json(a) for a in rows], ensure_ascii=False))
    elif not rows:
        print(t("none", args.locale))
    for account in [] if args.json else rows:
        print(f"{account.name}\t{account.plan}\t{account.currency}\t{account.id}")
    return 0


def _account_json(account: Any) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "plan": account.plan,
        "currency": account.currency,
        "created_at": account.created_at.isoformat(),
    }


async def connect(services: Services, args: argparse.Namespace) -> int:
    account = await services.account(args.account, args.locale)
    check_plan(services, account, args.locale)
    connection = await services.qbo.connect_with_refresh_token(
        account.id, args.realm, args.refresh_token
    )
    print(
        t(
            "connected",
            args.locale,
            account=account.name,
            company=connection.company_name or "?",
            realm=connection.realm_id,
            currency=connection.home_currency or "?",
        )
    )
    return 0


async def import_command(services: Services, args: argparse.Namespace) -> int:
    account = await services.account(args.account, args.locale)
    check_plan(services, account, args.locale)
    source = await services.qbo.source_for(account.id)
    show = not args.json and sys.stdout.isatty()
    async with progress_display(show, args.locale) as on_progress:
        report = await run_import(
            services, account, KIND_CHOICES[args.what], source, on_progress=on_progress
        )
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print("\n".join(summary_lines(report, args.locale)))
    if any(o.running for o in report.outcomes):
        return 3
    return 0 if report.ok else 1


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


COMMANDS: dict[str, Command] = {
    "migrate": migrate,
    "accounts": accounts,
    "connect": connect,
    "import": import_command,
    "clients": records_cli.run,
    "items": records_cli.run,
}
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


def _one_line(error: BaseException) -> str:
    if isinstance(error, PyMongoError):
        return f"cannot reach the database: {error.__class__.__name__}: {str(error)[:200]}"
    return str(error).splitlines()[0] if str(error) else error.__class__.__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user errors print one line and exit non-zero, never a trace."""
    args = build_parser().parse_args(argv)
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
    except (UserError, StoreError, SettingsError, QboError, PyMongoError) as error:
        print(f"invoice2go: {_one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        again = "; run the same command again to resume" if args.command == "import" else ""
        print(f"invoice2go: stopped{again}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
