"""The command line's grammar: every subcommand, its arguments and its help."""

from __future__ import annotations

import argparse

from importer.domain.model import PLANS
from importer.services.imports import KIND_WORDS
from invoice2go.cli import records, service_commands


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
    auto = account_commands.add_parser(
        "autoimport", help="import what QuickBooks webhooks announce, without being asked (J7)"
    )
    auto.add_argument("name")
    auto.add_argument("state", choices=("on", "off"))

    connect = commands.add_parser(
        "connect",
        help="print the browser sign-in link, or attach a company with a refresh token",
        description="Without --realm, print a link that signs in to QuickBooks in a browser. "
        "With --realm, attach that company with a refresh token obtained elsewhere. A token on "
        "the command line shows in ps and the shell history: prefer --refresh-token - (read "
        "from standard input) or the QBO_REFRESH_TOKEN variable.",
    )
    connect.add_argument("--account", required=True, help="account name")
    connect.add_argument(
        "--realm", help="the QBO company id (realmId, digits); without it, prints a sign-in link"
    )
    connect.add_argument(
        "--refresh-token",
        metavar="TOKEN",
        help="an Intuit refresh token, or - to read it from standard input; "
        "without this option, QBO_REFRESH_TOKEN is used",
    )

    importing = commands.add_parser("import", help="import clients, items or both from QBO")
    importing.add_argument("--account", required=True, help="account name")
    importing.add_argument(
        "what",
        choices=sorted(KIND_WORDS),
        metavar="clients|items|all",
        help="what to import (also clientes, conceptos, todo)",
    )
    importing.add_argument("--json", action="store_true", help="print the summary as JSON")
    importing.add_argument(
        "--detach", action="store_true", help="queue the import for the workers; print its job id"
    )

    records.add_parsers(commands)
    service_commands.add_parsers(commands)

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
