"""Who asks, once per request (R7): the workspace's account, the person, their rights and language.

Listeners find `account`, `workspace`, `person`, `locale` and `admin` in the Bolt context. People
who may not use the app (guests, people of other organisations in shared channels) are answered
here and go no further.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from i18n import _, pick_locale
from importer.domain.workspaces import is_account_admin, is_member

if TYPE_CHECKING:
    from bot.config import AppServices
    from bot.people import People

log = logging.getLogger(__name__)

# Events about the installation itself, handled without a person behind them.
WITHOUT_PERSON = frozenset({"app_uninstalled", "tokens_revoked"})


class TeamNames:
    """Workspace names (an account is named after its workspace), learnt once per process."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    async def get(self, context: AsyncBoltContext, body: dict[str, Any]) -> str | None:
        team_id = context.team_id or ""
        if team_id not in self._known:
            self._known[team_id] = await self._ask(context, body)
        return self._known[team_id]

    async def _ask(self, context: AsyncBoltContext, body: dict[str, Any]) -> str | None:
        authorized = context.authorize_result
        if authorized is not None and authorized.team:
            return authorized.team  # the workspace's name, as the installation has it
        if context.client is not None:
            try:  # one workspace (bot token): Bolt keeps auth.test's answer but not the name
                name = (await context.client.auth_test()).get("team")
                if name:
                    return str(name)
            except SlackApiError as error:
                log.warning("auth.test failed: %s", error)
        team = body.get("team")
        if isinstance(team, dict):
            return team.get("domain") or team.get("name")
        return body.get("team_domain")


def _refusal(body: dict[str, Any], text: str) -> BoltResponse:
    if body.get("command"):
        answer = json.dumps({"response_type": "ephemeral", "text": text})
        return BoltResponse(status=200, body=answer, headers={"content-type": "application/json"})
    return BoltResponse(status=200, body="")


def register(app: AsyncApp, services: AppServices, people: People) -> None:
    """Resolve the account, the person and their rights before any listener runs."""
    names = TeamNames()

    async def resolve(
        context: AsyncBoltContext,
        body: dict[str, Any],
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt injects it by name
    ) -> BoltResponse | None:
        event = body.get("event") if isinstance(body.get("event"), dict) else {}
        if (event or {}).get("type") in WITHOUT_PERSON or not context.team_id:
            return await next()
        user_id = context.user_id
        if not user_id or context.client is None:
            return await next()
        workspace, account = await services.workspaces.account_for(
            context.team_id,
            name=await names.get(context, body),
            enterprise_id=context.enterprise_id,
        )
        try:
            person = await people.get(context.client, user_id)
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return _refusal(body, _("invoice2go could not tell who you are; try again.", "en"))
        locale = pick_locale(person.locale)
        context["workspace"] = workspace
        context["account"] = account
        context["person"] = person
        context["locale"] = locale
        context["admin"] = is_account_admin(person, workspace)
        if not is_member(person, workspace):
            log.info("refused %s: not a member of workspace %s", user_id, workspace.team_id)
            text = _(
                "Only members of this workspace can use invoice2go (not guests or people "
                "from other organisations).",
                locale,
            )
            return _refusal(body, text)
        return await next()

    app.middleware(resolve)
