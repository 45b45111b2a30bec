"""Intuit's OAuth 2.0 and OpenID endpoints: authorize, token, revoke, discovery, userinfo, JWKS."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from qbo_simulator.envelopes import json_response
from qbo_simulator.id_tokens import subject

if TYPE_CHECKING:
    from qbo_simulator.state import SimulatorState

KNOWN_SCOPES = {
    "com.intuit.quickbooks.accounting",
    "com.intuit.quickbooks.payment",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
}
INVALID_REFRESH = {
    "error": "invalid_grant",
    "error_description": "Incorrect or invalid refresh token",
}


def _error(error: str, status: int = 400, description: str = "") -> web.Response:
    body: dict[str, Any] = {"error": error}
    if description:
        body["error_description"] = description
    return json_response(body, status)


def _basic(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def discovery(sim: SimulatorState) -> dict[str, Any]:
    """Return the OpenID discovery document, pointing at the simulator's own URLs."""
    return {
        "issuer": sim.issuer,
        "authorization_endpoint": sim.auth_url,
        "token_endpoint": sim.token_url,
        "userinfo_endpoint": sim.userinfo_url,
        "revocation_endpoint": sim.revoke_url,
        "jwks_uri": sim.jwks_url,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


def routes(sim: SimulatorState) -> list[web.RouteDef]:
    """Build the OAuth routes of one simulator."""

    async def authorize(request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("client_id") != sim.client_id:
            return web.Response(status=400, text="invalid_client: unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            return web.Response(status=400, text="invalid_request: redirect_uri is required")
        state = {"state": query["state"]} if "state" in query else {}
        scopes = set(query.get("scope", "").split())
        if query.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", **state})
        if not scopes or not scopes <= KNOWN_SCOPES:
            return _redirect(redirect_uri, {"error": "invalid_scope", **state})
        if sim.config.deny_consent or query.get("sim_consent") == "deny":
            return _redirect(redirect_uri, {"error": "access_denied", **state})
        realm_id = query.get("sim_realm", sim.realm_id)
        code = sim.tokens.new_code(realm_id, redirect_uri, scopes)
        return _redirect(redirect_uri, {"code": code, **state, "realmId": realm_id})

    async def token(request: web.Request) -> web.Response:
        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            return _error("invalid_request", description="form body required")
        form = await request.post()
        credentials = _basic(request) or (
            str(form.get("client_id")),
            str(form.get("client_secret")),
        )
        sim.oauth_requests.append(str(form.get("grant_type")))
        if credentials != (sim.client_id, sim.client_secret):
            return _error("invalid_client", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            issued = sim.tokens.exchange(
                str(form.get("code")), str(form.get("redirect_uri")), sim.issuer
            )
            return json_response(issued) if issued else _error("invalid_grant")
        if grant_type == "refresh_token":
            if sim.faults.refuse_refresh():
                return json_response(INVALID_REFRESH, 400)
            refreshed = sim.tokens.use_refresh(str(form.get("refresh_token")))
            return json_response(refreshed) if refreshed else json_response(INVALID_REFRESH, 400)
        return _error("unsupported_grant_type")

    async def revoke(request: web.Request) -> web.Response:
        if _basic(request) != (sim.client_id, sim.client_secret):
            return _error("invalid_client", 401) if _basic(request) else _error("invalid_request")
        try:
            token = json.loads(await request.text())["token"]
        except (ValueError, KeyError, TypeError):
            return _error("invalid_request", description="JSON body with a token required")
        sim.tokens.revoke(str(token))
        return web.Response(status=200)

    async def discover(request: web.Request) -> web.Response:
        return json_response(discovery(sim))

    async def userinfo(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        grant = sim.tokens.check(header.removeprefix("Bearer ").strip())
        if grant is None:
            return _error("invalid_token", 401)
        return json_response(
            {
                "sub": subject(grant.realm_id),
                "email": "owner@example.com",
                "emailVerified": True,
                "givenName": "Sandbox",
                "familyName": "Owner",
            }
        )

    async def jwks(request: web.Request) -> web.Response:
        return json_response(sim.tokens.key.jwks())

    paths = [
        f"/.well-known/{name}{slash}"
        for name in ("openid_configuration", "openid_sandbox_configuration")
        for slash in ("", "/")
    ]
    return [
        web.get("/connect/oauth2", authorize),
        web.post("/oauth2/v1/tokens/bearer", token),
        web.post("/v2/oauth2/tokens/revoke", revoke),
        web.get("/v1/openid_connect/userinfo", userinfo),
        web.get("/op/v1/jwks", jwks),
        *(web.get(path, discover) for path in paths),
    ]


def _redirect(uri: str, params: dict[str, str]) -> NoReturn:
    joiner = "&" if "?" in uri else "?"
    raise web.HTTPFound(f"{uri}{joiner}{urlencode(params)}")
