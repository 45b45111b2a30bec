"""QuickBooks routes: the browser sign-in (connect, callback) and Intuit's webhooks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from i18n import _
from importer.domain.errors import (
    ConfigurationError,
    NoSuchAccount,
    OAuthStateError,
    PlanNotEnabled,
    QboError,
    SignInLinkExpired,
    SignInLinkUsed,
    UserError,
)
from importer.services.connections import ConnectionService
from importer.services.webhooks import WebhookRefused
from invoice2go.bootstrap import Services
from invoice2go.web import slack_routes
from invoice2go.web.pages import connected, locale_of, refused

log = logging.getLogger(__name__)

# Sent with every sign-in page: what a browser shows must not be framed, cached or leak the URL.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def _link_problem(error: Exception, locale: str) -> web.Response:
    """The page for a sign-in link that cannot be used, by what is wrong with it."""
    again = _("Start again from Slack or the command line to get a new link.", locale)
    if isinstance(error, SignInLinkExpired):
        title = _("This sign-in link has expired", locale)
    elif isinstance(error, SignInLinkUsed):
        title = _("This sign-in link was already used", locale)
    else:
        title = _("This sign-in link is not valid", locale)
    return refused(title, again, locale, status=400)


def _recorded_locale(
    connections: ConnectionService, state: str, data: Mapping[str, Any] | None
) -> str | None:
    """The language the sign-in began in: from its data, or from the state of a used link."""
    if data is not None:
        return str(data["locale"]) if data.get("locale") else None
    return connections.sign_in_locale(state) if state else None


def register(app: web.Application, services: web.AppKey[Services]) -> None:
    """Add the QuickBooks routes."""

    async def connect(request: web.Request) -> web.StreamResponse:
        state = request.query.get("state", "")
        locale = locale_of(request)
        connections = request.app[services].connections
        data = await connections.sign_in_data(state) if state else None
        locale = locale_of(request, _recorded_locale(connections, state, data))
        try:
            consent = await connections.consent_for(state)
        except QboError as error:
            return _link_problem(error, locale)
        raise web.HTTPFound(consent, headers=PAGE_HEADERS)

    async def callback(request: web.Request) -> web.StreamResponse:
        query = request.query
        state = query.get("state", "")
        connections = request.app[services].connections
        data = await connections.sign_in_data(state) if state else None
        locale = locale_of(request, _recorded_locale(connections, state, data))
        if "error" in query:
            # The person declined at Intuit (or Intuit refused the request): nothing changes.
            if query["error"] == "access_denied":
                title = _("QuickBooks was not connected", locale)
                reason = _("You chose not to allow access to your QuickBooks company.", locale)
            else:
                title = _("QuickBooks could not finish connecting", locale)
                reason = _(
                    "QuickBooks answered: {error}. Try again in a few minutes.",
                    locale,
                    error=query["error"][:100],
                )
            return refused(title, reason, locale, status=400)
        code, realm = query.get("code"), query.get("realmId")
        if not (state and code and realm):
            title = _("This page is for QuickBooks to open", locale)
            reason = _("It is opened by QuickBooks after you sign in; it needs no visit.", locale)
            return refused(title, reason, locale, status=400)
        try:
            signed_in = await connections.redeem_sign_in(code, state, realm)
        except OAuthStateError as error:
            return _link_problem(error, locale)
        except PlanNotEnabled as error:
            title = _("QuickBooks was not connected", locale)
            reason = _(
                "The {plan} plan does not include the QuickBooks integration.",
                locale,
                plan=error.plan,
            )
            return refused(title, reason, locale, status=403)
        except (NoSuchAccount, UserError) as error:
            log.info("sign-in refused: %s", error)
            return _link_problem(error, locale)
        except QboError as error:
            # The link was spent before Intuit was asked: only a new one can try again.
            log.warning("QuickBooks sign-in failed: %s", error)
            title = _("QuickBooks could not finish connecting", locale)
            reason = _(
                "QuickBooks did not complete the sign-in. This link is now used: start again "
                "from Slack or the command line to get a new one.",
                locale,
            )
            return refused(title, reason, locale, status=502)
        try:
            await slack_routes.after_sign_in(request.app[services], signed_in)
        except Exception:  # the connection stands whatever Slack says; the page tells the truth
            log.exception("could not tell Slack about the sign-in of %s", signed_in.account.id)
        connection = signed_in.connection
        response = connected(
            signed_in.account.name,
            connection.company_name or connection.realm_id,
            locale,
            slack=bool(signed_in.data.get("slack")),
        )
        response.headers.update(PAGE_HEADERS)
        return response

    async def webhooks(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            receipt = await request.app[services].webhooks.receive(
                body, request.headers.get("intuit-signature")
            )
        except WebhookRefused as refusal:
            log.info("webhook refused (%d): %s", refusal.status, refusal)
            return web.json_response({"error": str(refusal)}, status=refusal.status)
        except ConfigurationError as error:
            log.error("webhook received but %s", error)
            return web.json_response({"error": "webhooks are not configured"}, status=503)
        return web.json_response(
            {"events": receipt.events, "kept": receipt.kept, "unknown": receipt.unknown}
        )

    app.router.add_get("/quickbooks/connect", connect)
    app.router.add_get("/quickbooks/callback", callback)
    app.router.add_post("/quickbooks/webhooks", webhooks)
