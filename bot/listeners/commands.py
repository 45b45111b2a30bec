"""`/invoice2go …`: ack at once, call a service, render. Spanish words beside the English ones."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot import ids
from bot.render import lists, messages
from i18n import _
from importer.domain.errors import NotConnected, PlanNotEnabled, QboError, ReconnectNeeded
from importer.domain.jobs import JobOrigin
from importer.domain.model import Kind
from importer.services.imports import KIND_WORDS

if TYPE_CHECKING:
    from bot.app import AppServices

log = logging.getLogger(__name__)

# The first word of the command, in English or Spanish.
VERBS = {
    "connect": "connect",
    "conectar": "connect",
    "setup": "connect",
    "import": "import",
    "importar": "import",
    "status": "status",
    "estado": "status",
    "clients": "clients",
    "clientes": "clients",
    "items": "items",
    "conceptos": "items",
    "autoimport": "autoimport",
    "autoimportar": "autoimport",
    "disconnect": "disconnect",
    "desconectar": "disconnect",
    "help": "help",
    "ayuda": "help",
}
ON_OFF = {"on": True, "off": False, "si": True, "sí": True, "no": False}

Handler = Callable[["Request"], Awaitable[None]]


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


def register(app: AsyncApp, services: AppServices) -> None:
    """Register /invoice2go."""

    async def help_(request: Request) -> None:
        await request.ack(
            text=_("invoice2go commands", request.locale),
            blocks=messages.help_blocks(request.locale),
            response_type="ephemeral",
        )

    async def status(request: Request) -> None:
        found = await services.status.status(request.context["account"])
        await request.ack(
            text=_("invoice2go status", request.locale),
            blocks=messages.status_blocks(found, request.locale),
            response_type="ephemeral",
        )

    async def import_(request: Request) -> None:
        words = request.words[1:]
        kinds = KIND_WORDS.get(words[0].lower()) if words else None
        if kinds is None:
            await request.say(
                _("Import what? `/invoice2go import clients|items|all`", request.locale)
            )
            return
        await queue_import(services, request, kinds)

    async def connect(request: Request) -> None:
        if not request.context["admin"]:
            await request.say(
                _("Only the workspace's admins can connect QuickBooks.", request.locale)
            )
            return
        from bot.listeners.wizard import open_wizard

        await open_wizard(services, request)

    async def records(request: Request) -> None:
        kind = Kind.CLIENTS if VERBS[request.words[0].lower()] == "clients" else Kind.ITEMS
        search = " ".join(request.words[1:]) or None
        account = request.context["account"]
        found = await services.records.list(account, kind, search=search, limit=lists.PAGE + 1)
        await request.ack(
            text=lists.title(kind, request.locale),
            blocks=lists.record_blocks(kind, found, search, request.locale),
            response_type="ephemeral",
        )

    async def autoimport(request: Request) -> None:
        words = request.words[1:]
        wanted = ON_OFF.get(words[0].lower()) if words else None
        if wanted is None:
            await request.say(
                _("`/invoice2go autoimport on` or `/invoice2go autoimport off`", request.locale)
            )
            return
        if not request.context["admin"]:
            await request.say(
                _("Only the workspace's admins can change auto-import.", request.locale)
            )
            return
        try:
            changed = await services.accounts.set_auto_import(request.context["account"], wanted)
        except PlanNotEnabled as error:
            await request.say(upgrade(error, request.locale))
            return
        if changed.auto_import:
            await request.say(
                _(
                    "Auto-import is on: new QuickBooks customers and items come in "
                    "by themselves, with the same rules.",
                    request.locale,
                )
            )
        else:
            await request.say(_("Auto-import is off.", request.locale))

    async def disconnect(request: Request) -> None:
        if not request.context["admin"]:
            await request.say(
                _("Only the workspace's admins can disconnect QuickBooks.", request.locale)
            )
            return
        await request.ack(
            text=_("Disconnect QuickBooks?", request.locale),
            blocks=lists.disconnect_blocks(request.locale),
            response_type="ephemeral",
        )

    handlers: dict[str, Handler] = {
        "help": help_,
        "status": status,
        "import": import_,
        "connect": connect,
        "clients": records,
        "items": records,
        "autoimport": autoimport,
        "disconnect": disconnect,
    }

    async def invoice2go(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
        request = Request(ack, command, context)
        verb = VERBS.get(request.words[0].lower(), "help") if request.words else "help"
        await handlers[verb](request)

    app.command(ids.COMMAND)(invoice2go)


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
        await services.connections.ready_to_import(account)
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
    names = " + ".join(messages.kind_name(kind.value, locale).lower() for kind in kinds)
    if queued.already_active:
        await request.say(
            _(
                "An import of {kinds} is already under way; its progress and summary "
                "are in a direct message from invoice2go.",
                locale,
                kinds=names,
            )
        )
    else:
        await request.say(
            _(
                "Importing {kinds} from QuickBooks. Progress and the summary come in "
                "a direct message from invoice2go.",
                locale,
                kinds=names,
            )
        )
