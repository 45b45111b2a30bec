"""Buttons: import from the Home tab, show skipped names, delete, disconnect, auto-import."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.direct import send_dm
from bot.listeners.asks import queue_import
from bot.listeners.home import publish_home
from bot.listeners.wizard import open_wizard_from_button
from bot.render import skipped as skipped_render
from bot.render.blocks import escape
from bot.render.messages import text_blocks
from i18n import _, explain
from importer.domain.errors import NotConnected, PlanNotEnabled, QboError
from importer.domain.model import Kind, Skipped

if TYPE_CHECKING:
    from bot.config import AppServices

log = logging.getLogger(__name__)


class _Reply:
    """Answers a button with an ephemeral message through its response_url."""

    def __init__(self, respond: AsyncRespond, locale: str) -> None:
        self._respond = respond
        self.locale = locale

    async def say(self, text: str) -> None:
        await self._respond(
            text=text, blocks=text_blocks(text), response_type="ephemeral", replace_original=False
        )


def register(app: AsyncApp, services: AppServices) -> None:
    """Register the button listeners."""

    async def link(ack: AsyncAck) -> None:
        await ack()  # a URL button opens the browser; Slack still tells us, and wants an ack

    async def import_kind(
        ack: AsyncAck,
        action: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        kind = Kind(action["value"])
        request = _ButtonRequest(client, context)
        await queue_import(services, request, (kind,))
        await publish_home(services, client, context)

    async def auto_import(
        ack: AsyncAck, action: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        if not context["admin"]:
            return
        try:
            await services.accounts.set_auto_import(context["account"], action["value"] == "on")
        except PlanNotEnabled:
            return
        context["account"] = await services.accounts.named(context["account"].name)
        await publish_home(services, client, context)

    async def delete(
        ack: AsyncAck, action: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        locale = context["locale"]
        kind_value, _sep, record_id = str(action["value"]).partition(":")
        deletion = await services.records.delete(context["account"], Kind(kind_value), record_id)
        reply = _Reply(respond, locale)
        if deletion.record is None:
            await reply.say(_("It was deleted already.", locale))
        else:
            await reply.say(
                _(
                    "Deleted {name}. It will not be imported from QuickBooks again.",
                    locale,
                    name=escape(deletion.record.name),
                )
            )

    async def disconnect(
        ack: AsyncAck, context: AsyncBoltContext, respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        locale = context["locale"]
        reply = _Reply(respond, locale)
        if not context["admin"]:
            await reply.say(_("Only the workspace's admins can disconnect QuickBooks.", locale))
            return
        try:
            await services.connections.disconnect(context["account"].id)
        except NotConnected:
            await reply.say(_("QuickBooks is not connected.", locale))
            return
        except QboError as error:
            await reply.say(
                _(
                    "QuickBooks did not answer; nothing changed. ({reason})",
                    locale,
                    reason=escape(explain(error, locale)),
                )
            )
            return
        await reply.say(_("QuickBooks is disconnected; what was imported stays.", locale))
        await publish_home(services, client, context)

    async def show_skipped(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        job = await services.jobs.get(str(action["value"]))
        if job is None or job.account_id != context["account"].id:
            return
        outcome = job.outcome or {}
        run_ids = [
            str(outcome[kind.value]["run_id"])
            for kind in job.kinds
            if isinstance(outcome.get(kind.value), dict) and outcome[kind.value].get("run_id")
        ]
        view = await skipped_page(job.id, run_ids, 0, context["locale"])
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def skipped_turn(
        ack: AsyncAck,
        action: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        state = json.loads(action["value"])
        view = await skipped_page(
            state["job"], state["runs"], int(state["page"]), context["locale"]
        )
        await client.views_update(view_id=body["view"]["id"], view=view)

    async def skipped_page(job_id: str, run_ids: list[str], page: int, locale: str) -> Any:
        """One page of skipped names across the job's runs, in order."""
        wanted = skipped_render.PAGE + 1  # one more tells whether a next page exists
        offset = page * skipped_render.PAGE
        entries: list[Skipped] = []
        for run_id in run_ids:
            run = await services.runs.get_run(run_id)
            if run is None:
                continue
            total = sum(run.counts.skipped.values())
            if offset >= total:
                offset -= total
                continue
            entries += await services.runs.skipped_entries(run_id, wanted - len(entries), offset)
            offset = 0
            if len(entries) >= wanted:
                break
        shown = entries[: skipped_render.PAGE]
        return skipped_render.skipped_view(
            job_id, run_ids, page, shown, len(entries) > len(shown), locale
        )

    async def reconnect_or_connect(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await open_wizard_from_button(services, client, body, context)

    app.action(ids.OPEN_LINK)(link)
    app.action(ids.IMPORT_CLIENTS)(import_kind)
    app.action(ids.IMPORT_ITEMS)(import_kind)
    app.action(ids.AUTO_IMPORT_ON)(auto_import)
    app.action(ids.AUTO_IMPORT_OFF)(auto_import)
    app.action(ids.DELETE_RECORD)(delete)
    app.action(ids.DISCONNECT)(disconnect)
    app.action(ids.SHOW_SKIPPED)(show_skipped)
    app.action(f"{ids.SKIPPED_PAGE}_prev")(skipped_turn)
    app.action(f"{ids.SKIPPED_PAGE}_next")(skipped_turn)
    app.action(ids.CONNECT)(reconnect_or_connect)
    app.action(ids.RECONNECT)(reconnect_or_connect)


class _ButtonRequest:
    """A Home tab button standing in for a command: answers go to the person's DM."""

    def __init__(self, client: AsyncWebClient, context: AsyncBoltContext) -> None:
        self._client = client
        self.context = context
        self.locale: str = context["locale"]

    async def say(self, text: str) -> None:
        await send_dm(self._client, str(self.context.user_id), text)
