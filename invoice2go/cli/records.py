"""`invoice2go clients|items list|add|delete`: see and manage what was imported (J5)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from i18n import N_, _, ngettext
from importer.domain.inputs import checked_bound, parsed_price, price_text
from importer.domain.model import Kind
from importer.services.records import DEFAULT_LIMIT, RecordPage
from invoice2go.cli.argtypes import typed
from invoice2go.cli.render import record_json

if TYPE_CHECKING:  # the store and HTTP stack load only when a command runs
    from invoice2go.bootstrap import Services


HELP: dict[Kind, dict[str, str]] = {
    Kind.CLIENTS: {
        "parser": N_("list, add and delete clients"),
        "list": N_("list clients, by name"),
        "add": N_("add a client by hand"),
        "delete": N_("delete clients by name or id; they are not imported again"),
    },
    Kind.ITEMS: {
        "parser": N_("list, add and delete items"),
        "list": N_("list items, by name"),
        "add": N_("add an item by hand"),
        "delete": N_("delete items by name or id; they are not imported again"),
    },
}


def add_parsers(commands: Any, locale: str) -> None:
    """Add the clients and items subcommands, their help in the locale's language."""
    bound = typed(checked_bound, locale)
    for kind in Kind:
        texts = HELP[kind]
        parser = commands.add_parser(kind.value, help=_(texts["parser"], locale))
        actions = parser.add_subparsers(dest="action", required=True, metavar=_("ACTION", locale))

        listing = actions.add_parser("list", help=_(texts["list"], locale))
        listing.add_argument(
            "--account", required=True, metavar=_("NAME", locale), help=_("account name", locale)
        )
        listing.add_argument(
            "--search",
            metavar=_("TEXT", locale),
            help=_("only names containing this text", locale),
        )
        listing.add_argument(
            "--limit",
            type=bound,
            default=DEFAULT_LIMIT,
            metavar="N",
            help=_("how many to show at most (default {n})", locale, n=DEFAULT_LIMIT),
        )
        listing.add_argument(
            "--offset",
            type=bound,
            default=0,
            metavar="N",
            help=_("how many to pass over first, to see the next ones (default 0)", locale),
        )
        listing.add_argument("--json", action="store_true", help=_("print JSON", locale))

        add = actions.add_parser("add", help=_(texts["add"], locale))
        add.add_argument(
            "--account", required=True, metavar=_("NAME", locale), help=_("account name", locale)
        )
        add.add_argument("name", metavar=_("NAME", locale))
        if kind is Kind.ITEMS:
            add.add_argument(
                "--price",
                type=typed(parsed_price, locale),
                metavar=_("PRICE", locale),
                help=_("unit price, e.g. 12.50 (negative for a discount)", locale),
            )
        else:
            add.add_argument("--email", help=_("the client's email address", locale))

        delete = actions.add_parser("delete", help=_(texts["delete"], locale))
        delete.add_argument(
            "--account", required=True, metavar=_("NAME", locale), help=_("account name", locale)
        )
        delete.add_argument(
            "names",
            nargs="+",
            metavar=_("NAME_OR_ID", locale),
            help=_("a name in any spelling, or an id", locale),
        )


async def run(services: Services, args: argparse.Namespace) -> int:
    """Run a clients or items action."""
    kind = Kind(args.command)
    account = await services.accounts.named(args.account)
    records = services.records
    locale = args.locale
    if args.action == "list":
        page = await records.page(
            account, kind, search=args.search, limit=args.limit, offset=args.offset
        )
        if args.json:
            print(json.dumps(page_json(kind, page), ensure_ascii=False))
            return 0
        for record in page.records:
            price = record.unit_price
            print(record.name if price is None else f"{record.name}\t{price_text(price)}")
        # Notes go to standard error: standard output stays rows only (`| wc -l`).
        if not page.records:
            print(_nothing(kind, page, args.search, locale), file=sys.stderr)
        elif page.after:
            print(_more(kind, page, locale), file=sys.stderr)
        return 0
    if args.action == "add":
        fields = {"unit_price": args.price} if kind is Kind.ITEMS else {"email": args.email}
        added = await records.add(account, kind, args.name, fields)
        print(_("Added {name!r}.", locale, name=added.name))
        return 0
    missing = 0
    for name in args.names:
        deletion = await records.delete(account, kind, name)
        if deletion.record is None:
            print(_not_found(kind, name, account.name, locale), file=sys.stderr)
            missing += 1
        else:
            print(
                _(
                    "Deleted {name!r}. It will not be imported from QuickBooks again.",
                    locale,
                    name=deletion.record.name,
                )
            )
    return 1 if missing else 0


def page_json(kind: Kind, page: RecordPage) -> dict[str, Any]:
    """Return a page of records as the --json lists print it: the records and the total."""
    return {
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        kind.value: [record_json(record) for record in page.records],
    }


def _nothing(kind: Kind, page: RecordPage, search: str | None, locale: str) -> str:
    """Say why a page shows no rows: none at all, none that match, or none in its bounds."""
    searching = bool(search and search.strip())
    if page.total == 0:
        if searching:
            if kind is Kind.CLIENTS:
                return _("No clients match {search!r}.", locale, search=search)
            return _("No items match {search!r}.", locale, search=search)
        if kind is Kind.CLIENTS:
            return _("No clients yet.", locale)
        return _("No items yet.", locale)
    there = _how_many(kind, page.total, search if searching else None, locale)
    if page.limit == 0:
        return _("Nothing shown with --limit 0; {there}.", locale, there=there)
    return _("Nothing from offset {offset}; {there}.", locale, offset=str(page.offset), there=there)


def _how_many(kind: Kind, total: int, search: str | None, locale: str) -> str:
    if search is not None:
        if kind is Kind.CLIENTS:
            return ngettext(
                "{n} client matches {search!r}",
                "{n} clients match {search!r}",
                total,
                locale,
                search=search,
            )
        return ngettext(
            "{n} item matches {search!r}",
            "{n} items match {search!r}",
            total,
            locale,
            search=search,
        )
    if kind is Kind.CLIENTS:
        return ngettext("there is {n} client", "there are {n} clients", total, locale)
    return ngettext("there is {n} item", "there are {n} items", total, locale)


def _more(kind: Kind, page: RecordPage, locale: str) -> str:
    shown, total, next_offset = len(page.records), page.total, page.offset + len(page.records)
    if kind is Kind.CLIENTS:
        return ngettext(
            "{shown} of {n} client shown; to see the next ones, add --offset {next}.",
            "{shown} of {n} clients shown; to see the next ones, add --offset {next}.",
            total,
            locale,
            shown=shown,
            next=str(next_offset),
        )
    return ngettext(
        "{shown} of {n} item shown; to see the next ones, add --offset {next}.",
        "{shown} of {n} items shown; to see the next ones, add --offset {next}.",
        total,
        locale,
        shown=shown,
        next=str(next_offset),
    )


def _not_found(kind: Kind, name: str, account: str, locale: str) -> str:
    if kind is Kind.CLIENTS:
        return _(
            "No client named or with id {name!r} in {account}.", locale, name=name, account=account
        )
    return _("No item named or with id {name!r} in {account}.", locale, name=name, account=account)
