"""Intuit OAuth 2.0: consent URL with a signed single-use state, code exchange, refresh, revoke."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request

from importer.domain.errors import (
    ConfigurationError,
    InvalidGrant,
    ServerError,
    ThrottledError,
    TokenError,
)
from importer.domain.messages import N_
from importer.ports.clock import Clock
from qbo.bodies import BodyTooLarge, network_problem, read_limited
from qbo.tokens import Tokens

SCOPE = "com.intuit.quickbooks.accounting"
TOKEN_TIMEOUT = aiohttp.ClientTimeout(total=30)
# Intuit's token answers are a few KB; a bigger one is refused, not read into memory.
MAX_TOKEN_BODY = 1024 * 1024


@dataclass(frozen=True, slots=True)
class OAuthEndpoints:
    """Where Intuit's OAuth lives and who this app is there."""

    auth_url: str
    token_url: str
    revoke_url: str
    client_id: str
    client_secret: str
    redirect_uri: str

    def __repr__(self) -> str:
        return f"OAuthEndpoints(token_url={self.token_url!r}, client_id={self.client_id!r})"


class IntuitOAuth:
    """Talk to Intuit's token and revoke endpoints (Basic client auth, per §1.4–1.8)."""

    def __init__(self, session: aiohttp.ClientSession, endpoints: OAuthEndpoints, clock: Clock):
        self._session = session
        self._endpoints = endpoints
        self._clock = clock
        self._auth = ClientAuth(endpoints.client_id, endpoints.client_secret, "client_secret_basic")

    def authorization_url(self, state: str) -> str:
        """Return the consent page URL for the accounting scope."""
        e = self._endpoints
        if not e.redirect_uri:
            raise ConfigurationError(
                N_("missing configuration: set {names}"), names="QBO_REDIRECT_URI"
            )
        url: str = prepare_grant_uri(e.auth_url, e.client_id, "code", e.redirect_uri, SCOPE, state)
        return url

    async def exchange_code(self, code: str) -> Tokens:
        """Trade an authorisation code (once) for tokens."""
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=self._endpoints.redirect_uri
        )
        return await self._token_request(body, N_("exchanging the authorisation code"))

    async def refresh(self, refresh_token: str, *, within: float | None = None) -> Tokens:
        """Trade the refresh token for new tokens; the refresh token may come back rotated."""
        body = prepare_token_request("refresh_token", refresh_token=refresh_token)
        return await self._token_request(body, N_("refreshing the access token"), within)

    async def revoke(self, token: str) -> None:
        """Revoke a refresh (or access) token at Intuit: the app leaves the company."""
        # Intuit wants a JSON body here, unlike the token endpoint (§1.8).
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        url, headers, body = self._auth.prepare(
            "POST", self._endpoints.revoke_url, headers, json.dumps({"token": token})
        )
        await self._post(url, headers, body, N_("revoking the QuickBooks connection"))

    async def _token_request(self, body: str, action: str, within: float | None = None) -> Tokens:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        url, headers, body = self._auth.prepare("POST", self._endpoints.token_url, headers, body)
        payload = await self._post(url, headers, body, action, within)
        return self._tokens(payload, action)

    async def _post(
        self,
        url: str,
        headers: Mapping[str, str],
        body: str,
        action: str,
        within: float | None = None,
    ) -> dict[str, Any]:
        """POST to Intuit, giving up after within seconds (TOKEN_TIMEOUT by default)."""
        limit = TOKEN_TIMEOUT if within is None else aiohttp.ClientTimeout(total=within)
        try:
            async with self._session.post(
                url, data=body.encode(), headers=dict(headers), timeout=limit
            ) as response:
                text = (await read_limited(response, MAX_TOKEN_BODY)).decode("utf-8", "replace")
                tid = response.headers.get("intuit_tid")
                status = response.status
        except BodyTooLarge as error:
            raise ServerError(
                N_(
                    "Intuit sent an answer larger than this service reads ({problem}) "
                    "while {action}"
                ),
                problem=str(error),
                action=action,
            ) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ServerError(
                N_("Intuit did not answer while {action} ({problem})"),
                action=action,
                problem=network_problem(error),
            ) from None
        # Status first, body second: 5xx/429 bodies are not promised to be JSON.
        if status == 429:
            raise ThrottledError(
                N_("Intuit is limiting requests while {action}"),
                action=action,
                intuit_tid=tid,
                status=status,
            )
        if status >= 500:
            raise ServerError(
                N_("Intuit failed while {action} (HTTP {http})"),
                action=action,
                http=str(status),
                intuit_tid=tid,
            )
        payload = _json_object(text)
        if status == 200:
            return payload
        code = str(payload.get("error") or f"http_{status}")
        described = payload.get("error_description")
        message = (
            N_("Intuit refused {action}: {code} ({described})")
            if described
            else N_("Intuit refused {action}: {code}")
        )
        kind = InvalidGrant if code == "invalid_grant" else TokenError
        raise kind(
            message,
            error=code,
            intuit_tid=tid,
            status=status,
            action=action,
            code=code,
            described=str(described),
        )

    def _tokens(self, payload: Mapping[str, Any], action: str) -> Tokens:
        # A 200 without both tokens must never overwrite stored ones (node-quickbooks #171).
        refresh, access = payload.get("refresh_token"), payload.get("access_token")
        if not isinstance(refresh, str) or not isinstance(access, str) or not refresh:
            raise TokenError(
                N_("Intuit answered {action} without tokens"),
                error="invalid_response",
                action=action,
            )
        now = self._clock()
        return Tokens(
            refresh_token=refresh,
            access_token=access,
            access_token_expires_at=_after(now, payload.get("expires_in")),
            refresh_token_expires_at=_after(now, payload.get("x_refresh_token_expires_in")),
        )


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _after(now: datetime, seconds: object) -> datetime | None:
    try:
        return now + timedelta(seconds=int(str(seconds)))
    except (TypeError, ValueError):
        return None
