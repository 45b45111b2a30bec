"""The Bolt app inside our aiohttp app: one AsyncApp, mounted at /slack/events (and, to install
in many workspaces, /slack/install and /slack/oauth_redirect)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import cast

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import AppServices, SlackConfig, SlackStores
from bot.install import InstallPages, callback_options
from bot.installations import InstallationStore, OAuthStates
from bot.listeners import register_all
from bot.people import People
from i18n import LOCALES, _

log = logging.getLogger(__name__)

SCOPES = ("commands", "chat:write", "im:write", "users:read")
DEFAULT_API_URL = "https://slack.com/api/"


def web_client(config: SlackConfig, session: aiohttp.ClientSession | None) -> AsyncWebClient:
    """Return a Web API client that waits out 429s as Slack's Retry-After asks."""
    return AsyncWebClient(
        token=config.bot_token,
        base_url=config.api_url or DEFAULT_API_URL,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def build_app(
    config: SlackConfig,
    services: AppServices,
    stores: SlackStores,
    session: aiohttp.ClientSession | None = None,
    pages: InstallPages | None = None,
) -> AsyncApp:
    """Return the Bolt app with every listener registered (pages: the browser's pages at the
    end of an install; Bolt's own English ones without). The configuration was checked when
    the deployment's settings were (Settings.check_slack), before anything started."""
    client = web_client(config, session)
    oauth_settings = None
    installation_store = None
    if config.oauth:
        installation_store = InstallationStore(stores.installations, stores.encrypt, stores.decrypt)
        oauth_settings = AsyncOAuthSettings(
            client_id=config.client_id,
            client_secret=config.client_secret,
            scopes=list(SCOPES),
            redirect_uri=f"{config.public_url}/slack/oauth_redirect" if config.public_url else None,
            installation_store=installation_store,
            state_store=OAuthStates(stores.states, stores.clock),
            install_page_rendering_enabled=False,
            callback_options=None if pages is None else callback_options(services, pages),
        )
    # Many workspaces: the installation is read from the store on every request (so an
    # uninstall takes effect at once), but auth.test is asked once per bot token.
    authorize = None
    if installation_store is not None:
        authorize = AsyncInstallationStoreAuthorize(
            installation_store=installation_store,
            client_id=config.client_id,
            client_secret=config.client_secret,
            logger=log,
            cache_enabled=True,
            client=client,
        )
    _quiet_about_the_token(logging.getLogger("slack_bolt.AsyncApp"))
    app = AsyncApp(
        signing_secret=config.signing_secret,
        client=client,  # carries the bot token in one-workspace mode
        oauth_settings=oauth_settings,
        installation_store=installation_store,
        # Bolt takes an AsyncAuthorize here though its signature names only plain functions.
        authorize=cast(Callable[..., Awaitable[AuthorizeResult]] | None, authorize),
        raise_error_for_unhandled_request=False,
        user_facing_authorize_error_message=not_installed(config),
    )
    if config.oauth:
        app.enable_token_revocation_listeners()
    register_all(app, services, People(), config)
    return app


def mount(web_app: web.Application, bolt: AsyncApp, config: SlackConfig) -> None:
    """Add Slack's routes to our web app."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app.router.add_post("/slack/events", events)
    flow = bolt.oauth_flow
    if config.oauth and flow is not None:

        async def install(request: web.Request) -> web.Response:
            bolt_request = await to_bolt_request(request)
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))

        async def oauth_redirect(request: web.Request) -> web.Response:
            bolt_request = await to_bolt_request(request)
            return await to_aiohttp_response(await flow.handle_callback(bolt_request))

        web_app.router.add_get("/slack/install", install)
        web_app.router.add_get("/slack/oauth_redirect", oauth_redirect)


def not_installed(config: SlackConfig) -> str:
    """What a person reads when their workspace's installation is gone (uninstalled, tokens
    revoked): Slack's request says nothing of their language, so every language says it."""
    link = (
        f"<{config.public_url.rstrip('/')}/slack/install>"
        if config.public_url
        else "/slack/install"
    )
    return "\n".join(
        _(
            ":warning: invoice2go is no longer installed in this workspace: an admin can add it "
            "again at {link}.",
            locale,
            link=link,
        )
        for locale in LOCALES
    )


class _TokenFromTheClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and, handed our client too, warns that it uses the
    client's token instead: the same token, so nothing an operator must act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _quiet_about_the_token(logger: logging.Logger) -> None:
    if not any(isinstance(f, _TokenFromTheClient) for f in logger.filters):
        logger.addFilter(_TokenFromTheClient())
