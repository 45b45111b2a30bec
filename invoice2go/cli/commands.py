"""The commands that are not about records: migrate, accounts, connect, import."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from i18n import _
from importer.domain.errors import ConfigurationError, InvalidValue, QboError, UserError
from importer.domain.messages import N_
from importer.domain.model import Account
from importer.services.imports import KIND_WORDS, ImportReport
from invoice2go.cli.parser import CANCEL
from invoice2go.cli.progress import progress_display
from invoice2go.cli.render import account_json, cancel_json, summary_lines

if TYPE_CHECKING:  # the store and HTTP stack load only when a command runs
    from invoice2go.bootstrap import Services


async def migrate(services: Services, args: argparse.Namespace) -> int:
    await services.store.migrate()
    where = services.settings.database_url.split("@")[-1]
    print(_("The database is ready ({where}).", args.locale, where=where))
    return 0


async def accounts(services: Services, args: argparse.Namespace) -> int:
    if args.action == "autoimport":
        from invoice2go.cli import service_commands

        return await service_commands.autoimport(services, args)
    if args.action == "create":
        account = await services.accounts.create(args.name, args.plan, args.currency)
        print(
            _(
                "Created account {name!r} on the {plan} plan.",
                args.locale,
                name=account.name,
                plan=account.plan,
            )
        )
        return 0
    rows = await services.accounts.all()
    if args.json:
        print(json.dumps([account_json(a) for a in rows], ensure_ascii=False))
    elif not rows:
        print(_("No accounts yet.", args.locale))
    for account in [] if args.json else rows:
        auto = N_("auto-import on") if account.auto_import else N_("auto-import off")
        row = [account.name, account.plan, account.currency, account.id, _(auto, args.locale)]
        print("\t".join(row))
    return 0


def refresh_token(given: str | None, from_environment: str | None) -> str:
    """Return the refresh token of --refresh-token, of standard input (-) or QBO_REFRESH_TOKEN."""
    if given == "-":
        where: str = N_("standard input")
        text = getpass.getpass("Intuit refresh token: ") if sys.stdin.isatty() else sys.stdin.read()
    elif given is not None:
        where, text = "--refresh-token", given
    elif from_environment is not None:
        where, text = "QBO_REFRESH_TOKEN", from_environment
    else:
        raise InvalidValue(
            N_(
                "give the refresh token on standard input with --refresh-token - "
                "(or set QBO_REFRESH_TOKEN); on the command line it would show in ps"
            )
        )
    token = text.strip()
    if not token:
        raise InvalidValue(N_("the refresh token from {where} is empty"), where=where)
    return token


async def connect(services: Services, args: argparse.Namespace) -> int:
    from invoice2go.cli import service_commands

    if args.realm is None:
        if args.refresh_token is not None:
            raise InvalidValue(
                N_("--refresh-token needs --realm: the company the token belongs to")
            )
        return await service_commands.sign_in_link(services, args)
    token = refresh_token(args.refresh_token, services.settings.qbo_refresh_token)
    account = await services.accounts.named(args.account)
    before = await services.connections.attached(account.id)
    connection = await services.connections.connect_with_refresh_token(account, args.realm, token)
    print(
        _(
            "Connected {account} to QuickBooks company {company} ({realm}), "
            "home currency {currency}.",
            args.locale,
            account=account.name,
            company=connection.company_name or "?",
            realm=connection.realm_id,
            currency=connection.home_currency or "?",
        )
    )
    if before is not None and before.realm_id != connection.realm_id:
        print(
            _(
                "It replaces QuickBooks company {company} ({realm}); the clients and items "
                "imported from it stay.",
                args.locale,
                company=before.company_name or "?",
                realm=before.realm_id,
            )
        )
    return 0


async def import_command(services: Services, args: argparse.Namespace) -> int:
    if args.detach:
        from invoice2go.cli import service_commands

        return await service_commands.detach(services, args)
    account = await services.accounts.named(args.account)
    if args.what == CANCEL:
        return await cancel_import(services, account, args)
    kinds = KIND_WORDS[args.what]
    show = not args.json and sys.stdout.isatty()
    async with progress_display(show, args.locale) as on_progress:
        try:
            report = await services.imports.run(account, kinds, on_progress=on_progress)
        except (UserError, ConfigurationError, QboError) as error:
            # Refused before any kind began (a kind's own failure is in its outcome): a script
            # reading the JSON learns that none ran, and why; stderr says it too.
            if not args.json:
                raise
            report = ImportReport.not_started(account, kinds, error)
            print(json.dumps(report.as_json(), ensure_ascii=False))
            raise
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print("\n".join(summary_lines(report, args.locale)))
    if report.running:
        return 3
    return 0 if report.ok else 1


async def cancel_import(services: Services, account: Account, args: argparse.Namespace) -> int:
    """End the run of one kind that holds R8's lock, and say which (or that there was none)."""
    [kind] = KIND_WORDS[args.cancel_kind]
    ended = await services.imports.cancel(account, kind)
    if args.json:
        print(json.dumps({kind.value: cancel_json(ended)}, ensure_ascii=False))
        return 0
    if ended is None:
        print(
            _(
                "No import of {kind} to cancel for {account}.",
                args.locale,
                kind=kind.noun,
                account=account.name,
            )
        )
    else:
        print(
            _(
                "Cancelled the import of {kind} for {account} (run {run}, {seen} records read); "
                "the next import starts anew.",
                args.locale,
                kind=kind.noun,
                account=account.name,
                run=ended.id,
                seen=ended.counts.seen,
            )
        )
    return 0
