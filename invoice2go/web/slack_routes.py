"""Slack's routes on our web app: the Bolt app answers them (built at start-up with the services).

POST /slack/events takes commands, interactivity, option loads and events; GET /slack/install
and /slack/oauth_redirect install the app in a workspace (OAuth mode). Without Slack configured
they answer 404. Socket Mode (SLACK_APP_TOKEN) connects out to Slack instead, for development
without a public URL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.direct import send_dm
from bot.listeners.home import publish_home_for
from bot.listeners.wizard import move_on_after_sign_in
from i18n import _
from importer.services.connections import SignedIn
from invoice2go.bootstrap import Services
from invoice2go.web.pages import INSTALL_PAGES

log = logging.getLogger(__name__)

BOLT = web.AppKey("bolt", AsyncApp)


def register(app: web.Application, services: web.AppKey[Services]) -> None:
    """Add the Slack routes and build the Bolt app when the services open."""

    async def bolt_app(app: web.Application) -> AsyncIterator[None]:
        opened = app[services]
        handler: Any = None  # slack_bolt's Socket Mode handler is untyped
        if opened.slack_config is not None:
            bolt = opened.bolt(INSTALL_PAGES)
            app[BOLT] = bolt
            config = opened.slack_config
            if config.app_token:
                handler = AsyncSocketModeHandler(bolt, app_token=config.app_token)
                await handler.connect_async()
                log.info("Slack Socket Mode connected")
        yield
        if handler is not None:
            await handler.close_async()

    app.cleanup_ctx.append(bolt_app)

    def bolt_of(request: web.Request) -> AsyncApp:
        bolt = request.app.get(BOLT)
        if bolt is None:
            raise web.HTTPNotFound(text="Slack is not configured here")
        return bolt

    async def events(request: web.Request) -> web.Response:
        bolt = bolt_of(request)
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def install(request: web.Request) -> web.Response:
        flow = bolt_of(request).oauth_flow
        if flow is None:
            raise web.HTTPNotFound(text="this deployment runs in one workspace (SLACK_BOT_TOKEN)")
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def oauth_redirect(request: web.Request) -> web.Response:
        flow = bolt_of(request).oauth_flow
        if flow is None:
            raise web.HTTPNotFound(text="this deployment runs in one workspace (SLACK_BOT_TOKEN)")
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_post("/slack/events", events)
    app.router.add_get("/slack/install", install)
    app.router.add_get("/slack/oauth_redirect", oauth_redirect)


async def after_sign_in(services: Services, signed_in: SignedIn) -> None:
    """The browser sign-in began in Slack: move the wizard on, refresh the Home tab, and send
    a direct message when the wizard was closed meanwhile."""
    data: dict[str, Any] = dict(signed_in.data)
    if not data.get("slack") or services.slack_config is None:
        return
    token = await services.bot_tokens().for_team(data.get("team"))
    if token is None:
        return
    client = services.slack_client(token)
    moved = await move_on_after_sign_in(services, client, signed_in.account, data)
    user = data.get("user")
    locale = str(data.get("locale") or "en")
    if user:
        await publish_home_for(services, client, signed_in.account, str(user), locale)
    if not moved and user:
        text = _(
            "QuickBooks is connected. Go on with `/invoice2go connect` to choose the income "
            "account and what to import.",
            locale,
        )
        await send_dm(client, str(user), text)
