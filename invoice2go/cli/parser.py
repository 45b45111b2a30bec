"""The command line's grammar: every subcommand, its arguments and its help, in the reader's
language (help texts are catalogue messages: write them as _("…", locale))."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from i18n import LOCALES, _
from importer.domain.model import PLANS
from importer.services.imports import KIND_WORDS
from invoice2go.cli import records, service_commands

CANCEL = "cancel"


def build_parser(locale: str) -> argparse.ArgumentParser:
    """Return the parser for every subcommand, its help in the locale's language."""
    parser = argparse.ArgumentParser(
        prog="invoice2go",
        description=_(
            "Import QuickBooks Online customers and items into an Invoice2go account.", locale
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar=_("COMMAND", locale))

    commands.add_parser(
        "migrate", help=_("create the database's tables and indexes (idempotent)", locale)
    )
    demo = commands.add_parser(
        "demo", help=_("the whole product on this machine, no credentials needed", locale)
    )
    demo.add_argument(
        "--lang",
        choices=LOCALES,
        help=_("the language of the story (default: the terminal's)", locale),
    )

    accounts = commands.add_parser("accounts", help=_("create and list invoicing accounts", locale))
    account_commands = accounts.add_subparsers(
        dest="action", required=True, metavar=_("ACTION", locale)
    )
    create = account_commands.add_parser("create", help=_("create an account", locale))
    create.add_argument("name", metavar=_("NAME", locale))
    create.add_argument(
        "--plan", choices=PLANS, help=_("the account's plan (default: DEFAULT_PLAN)", locale)
    )
    create.add_argument(
        "--currency",
        default="USD",
        metavar=_("CODE", locale),
        help=_("the account's currency, an ISO 4217 code (default USD)", locale),
    )
    listing = account_commands.add_parser("list", help=_("list accounts", locale))
    listing.add_argument("--json", action="store_true", help=_("print JSON", locale))
    auto = account_commands.add_parser(
        "autoimport",
        help=_("import what QuickBooks webhooks announce, without being asked (J7)", locale),
    )
    auto.add_argument("name", metavar=_("NAME", locale), help=_("account name", locale))
    auto.add_argument(
        "state",
        choices=("on", "off"),
        metavar="on|off",  # also how argparse names it in an error, not by its dest
        help=_("on: import what QuickBooks announces; off: import only when asked", locale),
    )

    connect = commands.add_parser(
        "connect",
        help=_("print the browser sign-in link, or attach a company with a refresh token", locale),
        description=_(
            "Without --realm, print a link that signs in to QuickBooks in a browser. With "
            "--realm, attach that company with a refresh token obtained elsewhere. A token on "
            "the command line shows in ps and the shell history: prefer --refresh-token - (read "
            "from standard input) or the QBO_REFRESH_TOKEN variable.",
            locale,
        ),
    )
    connect.add_argument(
        "--account", required=True, metavar=_("NAME", locale), help=_("account name", locale)
    )
    connect.add_argument(
        "--realm",
        metavar="ID",
        help=_("the QBO company id (realmId, digits); without it, prints a sign-in link", locale),
    )
    connect.add_argument(
        "--refresh-token",
        metavar="TOKEN",
        help=_(
            "an Intuit refresh token, or - to read it from standard input; without this "
            "option, QBO_REFRESH_TOKEN is used",
            locale,
        ),
    )

    importing = commands.add_parser(
        "import",
        help=_("import clients, items or both from QBO; or cancel a stuck import", locale),
        description=_(
            "Import from QBO; `import cancel --account NAME clients|items` ends the running, "
            "stuck or failed import of that kind for good, so the next one starts anew.",
            locale,
        ),
    )
    importing.add_argument(
        "--account", required=True, metavar=_("NAME", locale), help=_("account name", locale)
    )
    importing.set_defaults(command_parser=importing)  # `import cancel` errors with its usage
    importing.add_argument(
        "what",
        choices=[*sorted(KIND_WORDS), CANCEL],
        metavar="clients|items|all|cancel",
        help=_("what to import (also clientes, conceptos, todo), or cancel", locale),
    )
    importing.add_argument(
        "--json", action="store_true", help=_("print the summary as JSON", locale)
    )
    importing.add_argument(
        "--detach",
        action="store_true",
        help=_("queue the import for the workers; print its job id", locale),
    )

    records.add_parsers(commands, locale)
    service_commands.add_parsers(commands, locale)

    simulator = commands.add_parser(
        "qbo-simulator", help=_("run the local QuickBooks stand-in", locale)
    )
    simulator.add_argument(
        "--port",
        type=service_commands.port_number(locale, any_free=True),
        default=8765,
        metavar="N",
        help=_("port to listen on, 0 for any free one (default 8765)", locale),
    )
    simulator.add_argument(
        "--host",
        default="127.0.0.1",
        help=_("address to listen on (default 127.0.0.1)", locale),
    )
    simulator.add_argument(
        "--customers",
        type=int,
        default=29,
        metavar="N",
        help=_(
            "customers in the company: 29 is Intuit's sample company, more are generated",
            locale,
        ),
    )
    simulator.add_argument(
        "--items",
        type=int,
        default=18,
        metavar="N",
        help=_("items in the company (default 18, the sample company's)", locale),
    )
    simulator.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        metavar="MS",
        help=_("delay before every API answer, in ms (default 0)", locale),
    )
    simulator.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help=_("faults to inject, e.g. 'throttle@3,503@start=201' (grammar in the README)", locale),
    )
    return parser


def parse_command_line(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, locale: str
) -> argparse.Namespace:
    """Parse the arguments; `import cancel` takes the kind to cancel after its options too
    (`import cancel --account NAME clients`), which argparse alone cannot place."""
    args, extra = parser.parse_known_args(argv)
    args.cancel_kind = None
    command_parser: argparse.ArgumentParser = vars(args).pop("command_parser", parser)
    if args.command == "import" and args.what == CANCEL:
        single = sorted(word for word, kinds in KIND_WORDS.items() if len(kinds) == 1)
        if len(extra) != 1 or extra[0] not in single:
            command_parser.error(
                _(
                    "import cancel: say which import to cancel: clients or items (also {words})",
                    locale,
                    words=", ".join(w for w in single if w not in ("clients", "items")),
                )
            )
        args.cancel_kind = extra.pop()
    if extra:
        parser.error(_("unrecognized arguments: {words}", locale, words=" ".join(extra)))
    return args
