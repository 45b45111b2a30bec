"""The command line's grammar: every subcommand, its arguments and its help."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from importer.domain.model import PLANS
from importer.services.imports import KIND_WORDS
from invoice2go.cli import records

CANCEL = "cancel"


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

    importing = commands.add_parser(
        "import",
        help="import clients, items or both from QBO; or cancel a stuck import",
        description="Import from QBO; `import cancel --account NAME clients|items` ends the "
        "running, stuck or failed import of that kind for good, so the next one starts anew.",
    )
    importing.add_argument("--account", required=True, help="account name")
    importing.add_argument(
        "what",
        choices=[*sorted(KIND_WORDS), CANCEL],
        metavar="clients|items|all|cancel",
        help="what to import (also clientes, conceptos, todo), or cancel",
    )
    importing.add_argument("--json", action="store_true", help="print the summary as JSON")

    records.add_parsers(commands)

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


def parse_command_line(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """Parse the arguments; `import cancel` takes the kind to cancel after its options too
    (`import cancel --account NAME clients`), which argparse alone cannot place."""
    args, extra = parser.parse_known_args(argv)
    args.cancel_kind = None
    if args.command == "import" and args.what == CANCEL:
        single = sorted(word for word, kinds in KIND_WORDS.items() if len(kinds) == 1)
        if len(extra) != 1 or extra[0] not in single:
            parser.error(
                "import cancel: say which import to cancel: clients or items "
                f"(also {', '.join(w for w in single if w not in ('clients', 'items'))})"
            )
        args.cancel_kind = extra.pop()
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args
