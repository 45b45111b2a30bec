"""The commands that are not about records: migrate, accounts, connect, import."""

from __future__ import annotations

import argparse
import json
import sys

from importer.domain.model import Account
from importer.services.imports import KIND_WORDS
from invoice2go.bootstrap import Services
from invoice2go.cli.parser import CANCEL
from invoice2go.cli.progress import progress_display
from invoice2go.cli.render import account_json, cancel_json, summary_lines
from invoice2go.i18n import t


async def migrate(services: Services, args: argparse.Namespace) -> int:
    await services.store.migrate()
    where = services.settings.database_url.split("@")[-1]
    print(t("migrated", args.locale, where=where))
    return 0


async def accounts(services: Services, args: argparse.Namespace) -> int:
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


async def connect(services: Services, args: argparse.Namespace) -> int:
    account = await services.accounts.named(args.account)
    connection = await services.connections.connect_with_refresh_token(
        account, args.realm, args.refresh_token
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
    account = await services.accounts.named(args.account)
    if args.what == CANCEL:
        return await cancel_import(services, account, args)
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


async def cancel_import(services: Services, account: Account, args: argparse.Namespace) -> int:
    [kind] = KIND_WORDS[args.cancel_kind]
    ended = await services.imports.cancel(account, kind)
    if args.json:
        print(json.dumps({kind.value: cancel_json(ended)}, ensure_ascii=False))
        return 0
    name = t(f"kind.{kind.value}", args.locale).lower()
    if ended is None:
        print(t("import.cancel.none", args.locale, kind=name, account=account.name))
    else:
        print(
            t(
                "import.cancelled",
                args.locale,
                kind=name,
                account=account.name,
                run=ended.id,
                seen=ended.counts.seen,
            )
        )
    return 0
