"""The Home tab: the connection card, an Import button beside Clients and Items with their last
result, the auto-import switch, and recent imports."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View

from bot import ids
from bot.render.blocks import (
    VIEW_BLOCKS,
    actions,
    button,
    context,
    escape,
    header,
    local_date_time,
    section,
)
from bot.render.messages import kind_name, status_word
from i18n import _, texts
from importer.domain.connections import ConnectionStatus
from importer.domain.jobs import Job
from importer.domain.model import Kind
from importer.services.status import AccountStatus

RECENT = 5


def home_view(
    status: AccountStatus, recent: list[Job], locale: str, *, admin: bool
) -> dict[str, Any]:
    """Return the Home tab of one person."""
    account = status.account
    blocks: list[Block] = [header(_("invoice2go for {account}", locale, account=account.name))]
    connection = status.connection
    if not status.qbo_enabled:
        blocks.append(
            section(
                _(
                    "The {plan} plan does not include the QuickBooks integration.",
                    locale,
                    plan=account.plan,
                )
            )
        )
    elif connection is None or connection.status is ConnectionStatus.DISCONNECTED:
        card = section(_("QuickBooks is not connected.", locale))
        if admin:
            card = section(
                _("QuickBooks is not connected.", locale),
                accessory=button(
                    _("Connect QuickBooks", locale), ids.CONNECT, "home", style="primary"
                ),
            )
        blocks.append(card)
    elif connection.status is ConnectionStatus.NEEDS_RECONNECT:
        text = _("QuickBooks no longer accepts the saved sign-in: an admin must reconnect.", locale)
        blocks.append(
            section(
                text,
                accessory=button(_("Reconnect", locale), ids.RECONNECT, "home", style="primary")
                if admin
                else None,
            )
        )
    else:
        company = escape(connection.company_name or connection.realm_id)
        blocks.append(
            section(_("Connected to QuickBooks company *{company}*", locale, company=company))
        )
        blocks.append(DividerBlock())
        blocks.append(section(_("*Import details*", locale)))
        for kind, action in ((Kind.CLIENTS, ids.IMPORT_CLIENTS), (Kind.ITEMS, ids.IMPORT_ITEMS)):
            run = status.latest.get(kind)
            last = (
                _("never imported", locale)
                if run is None
                else _(
                    "last import: {imported}; {skipped}",
                    locale,
                    imported=texts.imported(run.counts.imported, locale),
                    skipped=texts.skipped_total(sum(run.counts.skipped.values()), locale),
                )
            )
            blocks.append(
                section(
                    f"*{kind_name(kind.value, locale)}*  ·  {last}",
                    accessory=button(_("Import", locale), action, kind.value),
                )
            )
        if admin:
            switch = (
                button(_("Turn auto-import off", locale), ids.AUTO_IMPORT_OFF, "off")
                if account.auto_import
                else button(_("Turn auto-import on", locale), ids.AUTO_IMPORT_ON, "on")
            )
            blocks.append(actions(switch))
        said = (
            _(
                "Auto-import is on: new QuickBooks customers and items come in by themselves.",
                locale,
            )
            if account.auto_import
            else _(
                "Auto-import is off: import new QuickBooks customers and items with Import.",
                locale,
            )
        )
        blocks.append(context(said))
    if recent:
        blocks.append(DividerBlock())
        blocks.append(section(_("*Recent imports*", locale)))
        for job in recent[:RECENT]:
            kinds = " + ".join(kind_name(kind.value, locale) for kind in job.kinds)
            when = local_date_time(job.created_at)
            blocks.append(context(f"{when} · {kinds} · {status_word(job.status.value, locale)}"))
    view = View(type="home", blocks=blocks[:VIEW_BLOCKS])
    return view.to_dict()
