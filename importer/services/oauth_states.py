"""The `state` of a QuickBooks sign-in: signed (HMAC), single use (stored, taken once), expiring.

It names the account (and who asked); the callback trusts nothing else from the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from importer.domain.errors import SignInLinkExpired, SignInLinkInvalid, SignInLinkUsed
from importer.domain.messages import N_
from importer.ports.clock import Clock
from importer.ports.connections import OAuthStateStore

STATE_LIFETIME = timedelta(minutes=10)


class OAuthStates:
    """Signed, single-use, expiring OAuth states, remembered in the store."""

    def __init__(
        self, store: OAuthStateStore, key: bytes, clock: Clock, lifetime: timedelta = STATE_LIFETIME
    ):
        self._store = store
        self._key = key
        self._clock = clock
        self._lifetime = lifetime

    def __repr__(self) -> str:
        return "OAuthStates(<key hidden>)"

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    async def issue(self, data: Mapping[str, Any]) -> str:
        """Remember data under a new state and return the signed state for the consent URL."""
        nonce = secrets.token_urlsafe(24)
        expires_at = self._clock() + self._lifetime
        body = f"{nonce}.{int(expires_at.timestamp())}"
        await self._store.put_oauth_state(nonce, dict(data), expires_at)
        return f"{body}.{self._sign(body)}"

    def _nonce(self, state: str) -> str:
        """Return the state's nonce if it is signed here and has not expired."""
        body, _, signature = state.rpartition(".")
        nonce, _, expires = body.partition(".")
        if not body or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            raise SignInLinkInvalid(N_("the QuickBooks sign-in link is not valid; start again"))
        if not expires.isdigit() or int(expires) <= self._clock().timestamp():
            raise SignInLinkExpired(N_("the QuickBooks sign-in link has expired; start again"))
        return nonce

    async def check(self, state: str) -> dict[str, Any]:
        """Return the data of a state that can still be redeemed, without redeeming it."""
        data = await self._store.get_oauth_state(self._nonce(state))
        if data is None:
            raise SignInLinkUsed(N_("the QuickBooks sign-in link was already used; start again"))
        return data

    async def redeem(self, state: str) -> dict[str, Any]:
        """Return the data of a state once; raise OAuthStateError if forged, used or expired."""
        data = await self._store.take_oauth_state(self._nonce(state))
        if data is None:
            raise SignInLinkUsed(N_("the QuickBooks sign-in link was already used; start again"))
        return data
