"""The `state` of a QuickBooks sign-in: signed (HMAC), single use (stored, taken once), expiring.

It names the account (and who asked); the callback trusts nothing else from the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from importer.domain.errors import SignInLinkExpired, SignInLinkInvalid, SignInLinkUsed
from importer.domain.messages import N_
from importer.ports.clock import Clock
from importer.ports.connections import OAuthStateStore

STATE_LIFETIME = timedelta(minutes=10)
# The person's language rides in the signed state too: a link already used or expired is no
# longer in the store, and its page is still shown in the language the sign-in began in.
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")


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
        locale = data.get("locale")
        if isinstance(locale, str) and _LOCALE.fullmatch(locale):
            body += f".{locale}"
        await self._store.put_oauth_state(nonce, dict(data), expires_at)
        return f"{body}.{self._sign(body)}"

    def _signed_body(self, state: str) -> list[str] | None:
        """Return the parts of a state signed here (nonce, expiry, maybe a locale), else None."""
        body, _, signature = state.rpartition(".")
        if not body or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        return body.split(".")

    def locale_of(self, state: str) -> str | None:
        """Return the language a state was issued in, even once used or expired; None if the
        state is not signed here or carries none."""
        parts = self._signed_body(state)
        return parts[2] if parts and len(parts) > 2 else None

    def _nonce(self, state: str) -> str:
        """Return the state's nonce if it is signed here and has not expired."""
        parts = self._signed_body(state)
        if parts is None or len(parts) < 2:
            raise SignInLinkInvalid(N_("the QuickBooks sign-in link is not valid; start again"))
        nonce, expires = parts[0], parts[1]
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
