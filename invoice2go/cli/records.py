"""`invoice2go clients|items list|add|delete`: see and manage what was imported (J5)."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from importer.domain.model import Kind
from invoice2go.bootstrap import Services
from invoice2go.cli.render import record_json
from invoice2go.i18n import t


def _price(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(
            f"not a price: {text!r} (use digits, e.g. 12.50)"
        ) from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"not a price: {text!r}")
    return str(value)


def add_parsers(commands: Any) -> None:
    """Add the clients and items subcommands."""
    for kind in Kind:
        noun = "client" if kind is Kind.CLIENTS else "item"
        parser = commands.add_parser(kind.value, help=f"list, add and delete {kind.value}")
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        listing = actions.add_parser("list", help=f"list {kind.value}, by name")
        listing.add_argument("--account", required=True, help="account name")
        listing.add_argument("--search", help="only names containing this text")
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--offset", type=int, default=0)
        listing.add_argument("--json", action="store_true", help="print JSON")

        add = actions.add_parser("add", help=f"add a {noun} by hand")
        add.add_argument("--account", required=True, help="account name")
        add.add_argument("name")
        if kind is Kind.ITEMS:
            add.add_argument("--price", type=_price, help="unit price, e.g. 12.50")
        else:
            add.add_argument("--email")

        delete = actions.add_parser(
            "delete", help=f"delete {kind.value} by name or id; they are not imported again"
        )
        delete.add_argument("--account", required=True, help="account name")
        delete.add_argument(
            "names", nargs="+", metavar="NAME_OR_ID", help="a name in any spelling, or an id"
        )


async def run(services: Services, args: argparse.Namespace) -> int:
    """Run a clients or items action."""
    kind = Kind(args.command)
    account = await services.accounts.named(args.account)
    records = services.records
    if args.action == "list":
        found = await records.list(
            account, kind, search=args.search, limit=args.limit, offset=args.offset
        )
        if args.json:
            print(json.dumps([record_json(r) for r in found], ensure_ascii=False))
        elif not found:
            print(t("none", args.locale))
        for record in [] if args.json else found:
            price = record.fields.get("unit_price")
            print(record.name if price is None else f"{record.name}\t{price}")
        return 0
    if args.action == "add":
        fields = {"unit_price": args.price} if kind is Kind.ITEMS else {"email": args.email}
        added = await records.add(account, kind, args.name, fields)
        print(t("added", args.locale, name=added.name))
        return 0
    missing = 0
    for name in args.names:
        deletion = await records.delete(account, kind, name)
        if deletion.record is None:
            print(
                t("error.not_found", args.locale, kind=kind.value, name=name, account=account.name)
            )
            missing += 1
        else:
            print(t("deleted", args.locale, name=deletion.record.name))
    return 1 if missing else 0
