"""What the listeners share: who asked (a command, a button), and queueing an import for them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.render import messages
from i18n import _
from importer.domain.errors import NotConnected, PlanNotEnabled, QboError, ReconnectNeeded
from importer.domain.jobs import JobOrigin
from importer.domain.model import Kind

if TYPE_CHECKING:
    from bot.config import AppServices


class Asker(Protocol):
    """Someone who asked for something: their context, language, and a way to answer."""

    context: AsyncBoltContext
    locale: str

    async def say(self, text: str) -> None: ...


class Request:
    """One /invoice2go command: what was typed, who typed it, how to answer."""

    def __init__(self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
        self.ack = ack
        self.command = command
        self.context = context
        self.words = str(command.get("text") or "").split()
        self.locale: str = context["locale"]

    async def say(self, text: str) -> None:
        """Answer the person who typed the command, and only them."""
        await self.ack(text=text, blocks=messages.text_blocks(text), response_type="ephemeral")


def upgrade(error: PlanNotEnabled, locale: str) -> str:
    """The upgrade message of R6."""
    return _(
        "The {plan} plan does not include the QuickBooks integration. Upgrade to {plans} "
        "to import; what was imported stays.",
        locale,
        plan=error.plan,
        plans=" / ".join(error.enabled),
    )


async def queue_import(services: AppServices, request: Asker, kinds: tuple[Kind, ...]) -> None:
    """Queue an import and say so; progress and the summary come in a direct message."""
    account = request.context["account"]
    locale = request.locale
    try:
        queued = await services.jobs.request(
            account,
            kinds,
            origin=JobOrigin.SLACK,
            requested_by=request.context.user_id,
            reply_to={
                "team": request.context.team_id,
                "user": request.context.user_id,
                "locale": locale,
            },
        )
    except PlanNotEnabled as error:
        await request.say(upgrade(error, locale))
        return
    except ReconnectNeeded:
        await request.say(
            _("QuickBooks must be connected again by an admin: `/invoice2go connect`", locale)
        )
        return
    except (NotConnected, QboError):
        await request.say(_("Connect QuickBooks first: `/invoice2go connect`", locale))
        return
    await request.say(messages.import_requested(queued, locale))
