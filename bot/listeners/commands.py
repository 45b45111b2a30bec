"""`/invoice2go …`: ack at once, call a service, render. Spanish words beside the English ones."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot import ids
from bot.listeners.asks import Request, queue_import, upgrade
from bot.listeners.wizard import open_wizard
from bot.render import lists, messages
from i18n import _
from importer.domain.errors import PlanNotEnabled
from importer.domain.model import Kind
from importer.services.imports import KIND_WORDS

if TYPE_CHECKING:
    from bot.config import AppServices

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
