"""The connect wizard (J2): a modal that opens at once and moves through four steps.

Abandoning it halfway breaks nothing: each step is kept in the store as it is done, and opening
the wizard again resumes at the first step left (domain.connections.setup_step).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.listeners.asks import Request, upgrade
from bot.render import wizard
from bot.render.blocks import escape
from bot.render.messages import import_requested, kind_name
from i18n import _, explain
from importer.domain.connections import ConnectionStatus, SetupStep, currency_differs, setup_step
from importer.domain.errors import PlanNotEnabled, QboError, UserError
from importer.domain.jobs import JobOrigin
from importer.domain.model import Account, Kind
from importer.ports.qbo import IncomeAccount

if TYPE_CHECKING:
    from bot.config import AppServices

log = logging.getLogger(__name__)

# How long a company's income accounts are kept for the search as people type.
INCOME_SECONDS = 300.0

# Slack waits 3 s for a submission's answer; asking QuickBooks to confirm the income account
# gets 2 of them, so a slow QuickBooks never leaves the person with Slack's error.
INCOME_CHECK_SECONDS = 2.0


class IncomeAccounts:
    """Income accounts by invoicing account for a few minutes: Slack wants options within 3 s
    and asks at each keystroke, faster than QuickBooks should be asked."""

    def __init__(self, services: AppServices, seconds: float = INCOME_SECONDS) -> None:
        self._services = services
        self._seconds = seconds
        self._known: dict[tuple[str, str], tuple[float, list[IncomeAccount]]] = {}

    async def get(self, account_id: str) -> list[IncomeAccount]:
        """Return the income accounts of the company the account is connected to now."""
        key = (account_id, (await self._services.connections.connection(account_id)).realm_id)
        now = time.monotonic()
        known = self._known.get(key)
        if known is None or now - known[0] >= self._seconds:
            known = (now, await self._services.connections.income_accounts(account_id))
            self._known[key] = known
        return known[1]


async def step_view(
    services: AppServices,
    account: Account,
    *,
    locale: str,
    user: str | None,
    team: str | None,
    view_id: str,
) -> dict[str, Any]:
    """Return the view of the first step left to do for the account."""
    connections = services.connections
    connection = None
    try:
        connection = await connections.connection(account.id)
    except QboError:
        connection = None
    step = setup_step(connection)
    try:
        if step is SetupStep.SIGN_IN:
            link = await connections.sign_in_link(
                account, user=user, locale=locale, slack=True, team=team, view_id=view_id
            )
            stored = await services.status.status(account)
            needs = stored.connection is not None and (
                stored.connection.status is ConnectionStatus.NEEDS_RECONNECT
            )
            return wizard.sign_in_view(link, locale, reconnect=needs)
        assert connection is not None
        if step is SetupStep.INCOME_ACCOUNT:
            incomes = await connections.income_accounts(account.id)
            return wizard.income_view(connection, incomes, locale)
        if step is SetupStep.TAXES_AND_CURRENCY:
            return wizard.taxes_view(account, connection, locale)
        return wizard.import_view(locale)
    except PlanNotEnabled as error:
        return wizard.problem_view(upgrade(error, locale), locale)
    except QboError as error:
        return wizard.problem_view(
            _(
                "QuickBooks did not answer ({reason}); open the wizard again in a minute.",
                locale,
                reason=escape(explain(error, locale)),
            ),
            locale,
        )


async def _open(
    services: AppServices, client: AsyncWebClient, trigger_id: str, context: AsyncBoltContext
) -> None:
    locale = context["locale"]
    opened = await client.views_open(trigger_id=trigger_id, view=wizard.loading_view(locale))
    view_id = opened["view"]["id"]
    view = await step_view(
        services,
        context["account"],
        locale=locale,
        user=context.user_id,
        team=context.team_id,
        view_id=view_id,
    )
    await client.views_update(view_id=view_id, view=view)


async def open_wizard(services: AppServices, request: Request) -> None:
    """Open the wizard from /invoice2go connect: ack, open a loading view, then the step."""
    await request.ack()
    client = request.context.client
    assert client is not None
    await _open(services, client, request.command["trigger_id"], request.context)


async def open_wizard_from_button(
    services: AppServices, client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Open the wizard from the Home tab's Connect or Reconnect button (admins only)."""
    if not context["admin"]:
        return
    await _open(services, client, body["trigger_id"], context)


def register(app: AsyncApp, services: AppServices) -> None:
    """Register the wizard's submissions and its income account search."""

    async def submitted(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, body: dict[str, Any]
    ) -> None:
        locale = context["locale"]
        account = context["account"]
        if not context["admin"]:
            await ack(response_action="clear")
            return
        step = json.loads(view.get("private_metadata") or "{}").get("step")
        values = view["state"]["values"]
        try:
            if step == SetupStep.INCOME_ACCOUNT.value:
                choice = values[wizard.INCOME_BLOCK][wizard.INCOME_ACTION]["selected_option"]
                await services.connections.choose_income_account(
                    account, choice["value"], check_within=INCOME_CHECK_SECONDS
                )
            elif step == SetupStep.TAXES_AND_CURRENCY.value:
                connection = await services.connections.connection(account.id)
                if currency_differs(account.currency, connection):
                    ticked = values.get(wizard.ACK_BLOCK, {}).get(wizard.ACK_ACTION, {})
                    if not ticked.get("selected_options"):
                        await ack(
                            response_action="errors",
                            errors={wizard.ACK_BLOCK: _("Tick this to go on.", locale)},
                        )
                        return
                await services.connections.confirm_settings(account)
            elif step == SetupStep.WHAT_TO_IMPORT.value:
                chosen = values[wizard.KINDS_BLOCK][wizard.KINDS_ACTION]["selected_options"]
                kinds = tuple(Kind(option["value"]) for option in chosen)
                if not kinds:
                    await ack(
                        response_action="errors",
                        errors={wizard.KINDS_BLOCK: _("Tick Clients, Items or both.", locale)},
                    )
                    return
                request = await services.jobs.request(
                    account,
                    kinds,
                    origin=JobOrigin.SLACK,
                    requested_by=context.user_id,
                    reply_to={"team": context.team_id, "user": context.user_id, "locale": locale},
                )
                if request.busy:
                    told = wizard.told_view(import_requested(request, locale), locale)
                    await ack(response_action="update", view=told)
                    return
                names = " + ".join(kind_name(kind.value, locale).lower() for kind in kinds)
                await ack(response_action="update", view=wizard.done_view(names, locale))
                return
        except (UserError, QboError) as error:
            said = explain(error, locale)
            if isinstance(error, PlanNotEnabled):
                said = upgrade(error, locale)
            elif isinstance(error, QboError):
                said = _(
                    "QuickBooks did not answer ({reason}); try again in a minute.",
                    locale,
                    reason=said,
                )
            if step == SetupStep.INCOME_ACCOUNT.value:  # said under the field; the modal stays
                await ack(response_action="errors", errors={wizard.INCOME_BLOCK: said})
            else:
                await ack(response_action="update", view=wizard.problem_view(escape(said), locale))
            return
        view_id = body["view"]["id"]
        following = await step_view(
            services,
            account,
            locale=locale,
            user=context.user_id,
            team=context.team_id,
            view_id=view_id,
        )
        await ack(response_action="update", view=following)

    cached = IncomeAccounts(services)

    async def income_options(
        ack: AsyncAck, payload: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        typed = str(payload.get("value") or "").casefold()
        incomes = await cached.get(context["account"].id)
        found = [income for income in incomes if typed in income.name.casefold()]
        await ack(
            options=[
                {"text": {"type": "plain_text", "text": income.name[:75]}, "value": income.id}
                for income in found[: wizard.STATIC_OPTIONS]
            ]
        )

    app.view_submission(ids.WIZARD_VIEW)(submitted)
    app.options(wizard.INCOME_ACTION)(income_options)


async def move_on_after_sign_in(
    services: AppServices,
    client: AsyncWebClient,
    account: Account,
    data: dict[str, Any],
) -> bool:
    """After the browser sign-in: move the open wizard to its next step; say whether it was
    still open (the caller sends a direct message when it was not)."""
    view_id = str(data.get("view_id") or "")
    locale = str(data.get("locale") or "en")
    if not view_id:
        return False
    view = await step_view(
        services,
        account,
        locale=locale,
        user=data.get("user"),
        team=data.get("team"),
        view_id=view_id,
    )
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        if error.response.get("error") in ("not_found", "view_not_found"):
            return False
        raise
    return True
