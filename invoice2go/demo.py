"""`invoice2go demo`: the product on this machine with no credentials, told as a person reads it.

It starts the built-in QBO simulator, uses an embedded store in a fresh folder, signs in to
QuickBooks through the real OAuth flow, imports, deletes, changes QuickBooks and imports again,
so the seed's three rules show: existing names are skipped, deleted stays deleted, a re-import
brings only what is new.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet
from qbo_simulator import Simulator, SimulatorConfig

from i18n import _, ngettext
from importer.domain.model import Account, Kind
from invoice2go.bootstrap import Services, open_services
from invoice2go.cli.render import summary_lines
from invoice2go.settings import Settings

ACCOUNT = "Demo Landscaping"
CALLBACK = "http://127.0.0.1:3000/quickbooks/callback"


def say(step: str, *lines: str) -> None:
    """Print a step and its indented details."""
    print(f"\n▸ {step}")
    for line in lines:
        print(f"    {line}")


async def sign_in(services: Services, account: Account, locale: str) -> str:
    """Do what the browser does: open Intuit's consent page, follow it back to the callback."""
    url = await services.connections.authorization_url(account, user="demo")
    async with services.session.get(url, allow_redirects=False) as response:
        location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    connection = await services.connections.complete_authorization(
        query["code"][0], query["state"][0], query["realmId"][0]
    )
    return _(
        "Connected to “{company}” (company {realm}, {country}, home currency {currency})",
        locale,
        company=connection.company_name,
        realm=connection.realm_id,
        country=connection.country,
        currency=connection.home_currency,
    )


async def import_all(services: Services, account: Account, locale: str) -> list[str]:
    """Import clients and items and return the summary lines."""
    report = await services.imports.run(account, (Kind.CLIENTS, Kind.ITEMS))
    return summary_lines(report, locale)


async def run_demo(base: Settings, locale: str) -> int:
    """Run the demo from start to end; return the exit code."""
    print(
        _("Invoice2go ⇄ QuickBooks Online — a demo on this machine, no credentials needed", locale)
    )
    with tempfile.TemporaryDirectory(prefix="invoice2go-demo-") as folder:
        async with Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim:
            settings = base.model_copy(
                update={
                    "database_url": f"sqlite:///{Path(folder) / 'demo.sqlite3'}",
                    "qbo_client_id": sim.client_id,
                    "qbo_client_secret": sim.client_secret,
                    "qbo_redirect_uri": CALLBACK,
                    "qbo_api_base": sim.api_base,
                    "qbo_auth_url": sim.auth_url,
                    "qbo_token_url": sim.token_url,
                    "qbo_revoke_url": sim.revoke_url,
                    # A throwaway key: the demo's tokens live only as long as its folder.
                    "token_encryption_key": Fernet.generate_key().decode(),
                    "qbo_environment": "sandbox",
                }
            )
            say(
                _("QuickBooks simulator started", locale),
                _(
                    "{url} — a sandbox company with {customers} customers and {items} items",
                    locale,
                    url=sim.api_base,
                    customers=sim.config.customers,
                    items=sim.config.items,
                ),
            )
            async with open_services(settings) as services:
                await story(services, sim, locale)
    return 0


async def story(services: Services, sim: Simulator, locale: str) -> None:
    """The journey: set up, import, delete, change QuickBooks, import again, disconnect."""
    account = await services.accounts.create(ACCOUNT)
    say(
        _("Invoicing account “{name}” created", locale, name=ACCOUNT),
        _("plan {plan}, currency {currency}", locale, plan=account.plan, currency=account.currency),
    )

    say(_("Sign in to QuickBooks", locale), await sign_in(services, account, locale))
    incomes = await services.connections.income_accounts(account.id)
    say(
        _("Income accounts invoices can be booked to", locale),
        ", ".join(f"“{income.name}”" for income in incomes[:6])
        + (" …" if len(incomes) > 6 else ""),
    )

    say(_("Import clients and items", locale), *await import_all(services, account, locale))

    records = services.records
    amy = (await records.delete(account, Kind.CLIENTS, "amy's bird sanctuary")).record
    rocks = (await records.delete(account, Kind.ITEMS, "rocks")).record
    assert amy is not None
    assert rocks is not None
    say(
        _("You delete a client and an item", locale),
        _("“{client}” and “{item}”", locale, client=amy.name, item=rocks.name),
    )

    sim.company.add_customer("Zoe’s Zinnias")
    sim.company.add_customer("COOL  CARS")
    sim.company.add_item("Mulch", UnitPrice=12.5)
    say(
        _("Meanwhile, in QuickBooks", locale),
        _(
            "new customer “{customer}”, new item “{item}”",
            locale,
            customer="Zoe’s Zinnias",
            item="Mulch",
        ),
        _(
            "and “{name}”: the same name as “{existing}”, spelled another way",
            locale,
            name="COOL  CARS",
            existing="Cool Cars",
        ),
    )

    say(
        _("Import again: only what is new comes in", locale),
        *await import_all(services, account, locale),
    )

    clients = await records.count(account, Kind.CLIENTS)
    items = await records.count(account, Kind.ITEMS)
    await services.connections.disconnect(account.id)
    say(
        _("Disconnect", locale),
        _(
            "tokens revoked at QuickBooks; the imported data stays: {clients} and {items}",
            locale,
            clients=ngettext("{n} client", "{n} clients", clients, locale),
            items=ngettext("{n} item", "{n} items", items, locale),
        ),
    )
