"""The connect wizard (J2) as modal views: sign in, income account, taxes and currency, what to
import. Each step's view says where it stands; the state lives in the store, not the view."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.render.blocks import actions, button, clip, context, escape, section
from i18n import _
from importer.domain.connections import QboConnection, SetupStep, currency_differs
from importer.domain.model import Account, Kind
from importer.ports.qbo import IncomeAccount

STEPS = list(SetupStep)
INCOME_BLOCK, INCOME_ACTION = "income_account", "income_account_choice"
ACK_BLOCK, ACK_ACTION = "settings_ack", "settings_ack_choice"
KINDS_BLOCK, KINDS_ACTION = "kinds", "kinds_choice"
# A static select holds at most 100 options; beyond, the list is searched as people type.
STATIC_OPTIONS = 100


def _modal(
    step: SetupStep | None, blocks: list[Block], locale: str, submit: str | None
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=ids.WIZARD_VIEW,
        title=clip(_("Connect QuickBooks", locale), 24),
        close=clip(_("Close", locale), 24),
        submit=None if submit is None else clip(submit, 24),
        private_metadata=json.dumps({"step": None if step is None else step.value}),
        blocks=blocks,
    )
    return view.to_dict()


def _progress(step: SetupStep, locale: str) -> Block:
    return context(_("Step {n} of {total}", locale, n=STEPS.index(step) + 1, total=len(STEPS)))


def loading_view(locale: str) -> dict[str, Any]:
    """Shown at once (a trigger lasts three seconds), while the next step is worked out."""
    return _modal(None, [section(_("Loading…", locale))], locale, None)


def sign_in_view(link: str, locale: str, *, reconnect: bool = False) -> dict[str, Any]:
    """Step 1: sign in to QuickBooks in the browser; this view moves on by itself after."""
    text = (
        _("QuickBooks no longer accepts the saved sign-in. Sign in again to reconnect.", locale)
        if reconnect
        else _("*Sign in to QuickBooks* and pick the company to import from.", locale)
    )
    blocks: list[Block] = [
        _progress(SetupStep.SIGN_IN, locale),
        section(text),
        actions(
            button(
                _("Sign in to QuickBooks", locale),
                ids.OPEN_LINK,
                "sign_in",
                url=link,
                style="primary",
            )
        ),
        context(
            _(
                "The link works once, for 10 minutes. Keep this window open: it goes on by "
                "itself when you are back.",
                locale,
            )
        ),
    ]
    return _modal(SetupStep.SIGN_IN, blocks, locale, None)


def income_view(
    connection: QboConnection, accounts: Sequence[IncomeAccount], locale: str
) -> dict[str, Any]:
    """Step 2: the QBO income account invoices are booked to."""
    options = [
        Option(value=income.id, label=clip(income.name, 75)) for income in accounts[:STATIC_OPTIONS]
    ]
    chosen = next((o for o in options if o.value == connection.income_account_id), None)
    placeholder = PlainTextObject(text=_("Choose an income account", locale))
    element: Any
    if len(accounts) > STATIC_OPTIONS:
        element = ExternalDataSelectElement(
            action_id=INCOME_ACTION, placeholder=placeholder, min_query_length=1
        )
    else:
        element = StaticSelectElement(
            action_id=INCOME_ACTION,
            placeholder=placeholder,
            options=options,
            initial_option=chosen,
        )
    company = escape(connection.company_name or connection.realm_id)
    blocks: list[Block] = [
        _progress(SetupStep.INCOME_ACCOUNT, locale),
        section(
            _(
                "Connected to *{company}*. Which QuickBooks income account should invoices be "
                "booked to?",
                locale,
                company=company,
            )
        ),
        InputBlock(
            block_id=INCOME_BLOCK,
            label=PlainTextObject(text=_("Income account", locale)),
            element=element,
        ),
    ]
    return _modal(SetupStep.INCOME_ACCOUNT, blocks, locale, _("Next", locale))


def _tax_text(setup: str | None, locale: str) -> str:
    if setup == "automated":
        return _("automated sales tax (QuickBooks works out the rate of each invoice)", locale)
    if setup == "codes":
        return _("tax codes", locale)
    return _("no sales tax", locale)


def taxes_view(account: Account, connection: QboConnection, locale: str) -> dict[str, Any]:
    """Step 3: QBO's currency and tax set-up beside the invoicing account's; a difference is
    explained plainly and must be acknowledged."""
    multi = _("on", locale) if connection.multicurrency else _("off", locale)
    lines = [
        _(
            "*QuickBooks home currency:* {currency}",
            locale,
            currency=connection.home_currency or "?",
        ),
        _("*QuickBooks multicurrency:* {state}", locale, state=multi),
        _("*Invoicing account currency:* {currency}", locale, currency=account.currency),
        _("*QuickBooks sales tax:* {setup}", locale, setup=_tax_text(connection.tax_setup, locale)),
    ]
    blocks: list[Block] = [
        _progress(SetupStep.TAXES_AND_CURRENCY, locale),
        section("\n".join(lines)),
    ]
    if currency_differs(account.currency, connection):
        blocks.append(
            section(
                _(
                    "QuickBooks keeps its books in {home} but this account invoices in "
                    "{account}. Prices of imported items stay as QuickBooks has them, in "
                    "{home}; check them before invoicing.",
                    locale,
                    home=connection.home_currency,
                    account=account.currency,
                )
            )
        )
        blocks.append(
            InputBlock(
                block_id=ACK_BLOCK,
                label=PlainTextObject(text=_("Currencies differ", locale)),
                element=CheckboxesElement(
                    action_id=ACK_ACTION,
                    options=[Option(value="ok", label=_("I understand", locale))],
                ),
            )
        )
    else:
        blocks.append(context(_("The currencies match.", locale)))
    return _modal(SetupStep.TAXES_AND_CURRENCY, blocks, locale, _("Next", locale))


def import_view(locale: str) -> dict[str, Any]:
    """Step 4: Clients, Items or both; Complete starts the imports."""
    options = [
        Option(value=Kind.CLIENTS.value, label=_("Clients (QuickBooks customers)", locale)),
        Option(value=Kind.ITEMS.value, label=_("Items (products and services)", locale)),
    ]
    blocks: list[Block] = [
        _progress(SetupStep.WHAT_TO_IMPORT, locale),
        InputBlock(
            block_id=KINDS_BLOCK,
            label=PlainTextObject(text=_("What to import", locale)),
            element=CheckboxesElement(
                action_id=KINDS_ACTION, options=options, initial_options=options
            ),
        ),
        context(
            _(
                "A name that already exists is skipped; what you delete is never imported again.",
                locale,
            )
        ),
    ]
    return _modal(SetupStep.WHAT_TO_IMPORT, blocks, locale, _("Complete", locale))


def done_view(names: str, locale: str) -> dict[str, Any]:
    """The end: the imports are queued; progress comes in a direct message."""
    text = _(
        "Importing {kinds}. Progress and the summary come in a direct message from invoice2go.",
        locale,
        kinds=names,
    )
    return _modal(None, [section(text)], locale, None)


def told_view(text: str, locale: str) -> dict[str, Any]:
    """The end, when some kinds were already being imported: what was queued and what was not."""
    return _modal(None, [section(text)], locale, None)


def problem_view(text: str, locale: str) -> dict[str, Any]:
    """Something stands in the way (a plan, QuickBooks down): say what, and what to do."""
    return _modal(None, [section(text)], locale, None)
