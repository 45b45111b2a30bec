"""The commands that are not about records: migrate, accounts, connect, import."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from importer.domain.errors import UserError
from importer.services.imports import KIND_WORDS
from invoice2go.bootstrap import Services
from invoice2go.cli import service_commands
from invoice2go.cli.progress import progress_display
from invoice2go.cli.render import account_json, summary_lines
from invoice2go.i18n import t


async def migrate(services: Services, args: argparse.Namespace) -> int:
    await services.store.migrate()
    where = services.settings.database_url.split("@")[-1]
    print(t("migrated", args.locale, where=where))
    return 0


async def accounts(services: Services, args: argparse.Namespace) -> int:
    if args.action == "autoimport":
        return await service_commands.autoimport(services, args)
    if args.action == "create":
        account = await services.accounts.create(args.name, args.plan, args.currency)
        print(t("account.created", args.locale, name=account.name, plan=account.plan))
        return 0
    rows = await services.accounts.all()
    if args.json:
        print(json.dumps([account_json(a) for a in rows], ensure_ascii=False))
    elif not rows:
        print(t("none", args.locale))
    for account in [] if args.json else rows:
        print(f"{account.name}\t{account.plan}\t{account.currency}\t{account.id}")
    return 0


def refresh_token(given: str | None, from_environment: str | None) -> str:
    """Return the refresh token of --refresh-token, of standard input (-) or QBO_REFRESH_TOKEN."""
    if given == "-":
        where = "standard input"
        text = getpass.getpass("Intuit refresh token: ") if sys.stdin.isatty() else sys.stdin.read()
    elif given is not None:
        where, text = "--refresh-token", given
    elif from_environment is not None:
        where, text = "QBO_REFRESH_TOKEN", from_environment
    else:
        raise UserError(
            "give the refresh token on standard input with --refresh-token - "
            "(or set QBO_REFRESH_TOKEN); on the command line it would show in ps"
        )
    token = text.strip()
    if not token:
        raise UserError(f"the refresh token from {where} is empty")
    return token


async def connect(services: Services, args: argparse.Namespace) -> int:
    if args.realm is None:
        if args.refresh_token is not None:
            raise UserError("--refresh-token needs --realm: the company the token belongs to")
        return await service_commands.sign_in_link(services, args)
    token = refresh_token(args.refresh_token, services.settings.qbo_refresh_token)
    account = await services.accounts.named(args.account)
    connection = await services.connections.connect_with_refresh_token(account, args.realm, token)
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
    if args.detach:
        return await service_commands.detach(services, args)
    account = await services.accounts.named(args.account)
    show = not args.json and sys.stdout.isatty()
    async with progress_display(show, args.locale) as on_progress:
        report = await services.imports.run(account, KIND_WORDS[args.what], on_progress=on_progress)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print("\n".join(summary_lines(report, args.locale)))
    if report.running:
        return 3
    return 0 if report.ok else 1
