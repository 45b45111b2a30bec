"""Authorization codes, access tokens and rotating refresh tokens of the simulated Intuit."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from qbo_simulator.config import SimulatorConfig
from qbo_simulator.id_tokens import SigningKey

_ALNUM = string.ascii_letters + string.digits
# Real access tokens are ~1 KB encrypted JWE blobs: header, empty key, iv, payload, tag.
_JWE_HEADER = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0"


@dataclass
class AccessGrant:
    realm_id: str
    expires_at: float


@dataclass
class RefreshGrant:
    realm_id: str
    issued_at: float
    expires_at: float
    uses: int = 0
    successor: str | None = None
    retired_at: float | None = None
    revoked: bool = False


@dataclass
class AuthCode:
    realm_id: str
    redirect_uri: str
    expires_at: float
    scopes: frozenset[str] = frozenset()
    issued_at: float = 0


@dataclass
class TokenBook:
    """Every token the simulator has issued, and what each one is still good for."""

    config: SimulatorConfig
    clock: Callable[[], float] = time.time
    access: dict[str, AccessGrant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    key: SigningKey = field(default_factory=SigningKey)

    def new_code(self, realm_id: str, redirect_uri: str, scopes: Iterable[str] = ()) -> str:
        """Issue a single-use, short-lived authorization code for the scopes consented to."""
        code = "AB11" + "".join(secrets.choice(_ALNUM) for _ in range(46))
        now = self.clock()
        self.codes[code] = AuthCode(
            realm_id, redirect_uri, now + self.config.auth_code_ttl, frozenset(scopes), now
        )
        return code

    def exchange(self, code: str, redirect_uri: str, issuer: str) -> dict[str, Any] | None:
        """Trade a code for tokens once; None for an unknown, used, expired or mismatched code.

        With the `openid` scope the response also carries an ID token from `issuer`.
        """
        grant = self.codes.pop(code, None)
        if grant is None or grant.expires_at < self.clock() or grant.redirect_uri != redirect_uri:
            return None
        issued = self.issue(grant.realm_id)
        if "openid" in grant.scopes:
            issued["id_token"] = self.key.id_token(
                issuer=issuer,
                client_id=self.config.client_id,
                realm_id=grant.realm_id,
                auth_time=grant.issued_at,
                now=self.clock(),
            )
        return issued

    def issue(self, realm_id: str) -> dict[str, Any]:
        """Issue a fresh access token and a fresh refresh token for a realm."""
        now = self.clock()
        refresh_token = "AB11" + str(int(now)) + "".join(secrets.choice(_ALNUM) for _ in range(36))
        self.refresh[refresh_token] = RefreshGrant(
            realm_id, now, now + self.config.refresh_token_ttl
        )
        return self._response(realm_id, refresh_token)

    def _response(self, realm_id: str, refresh_token: str) -> dict[str, Any]:
        now = self.clock()
        access_token = (
            f"{_JWE_HEADER}..{secrets.token_urlsafe(16)}."
            f"{secrets.token_urlsafe(700)}.{secrets.token_urlsafe(16)}"
        )
        self.access[access_token] = AccessGrant(realm_id, now + self.config.access_token_ttl)
        remaining = round(self.refresh[refresh_token].expires_at - now)
        return {
            "token_type": "bearer",
            "access_token": access_token,
            "expires_in": self.config.access_token_ttl,
            "refresh_token": refresh_token,
            "x_refresh_token_expires_in": remaining,
        }

    def use_refresh(self, token: str) -> dict[str, Any] | None:
        """Refresh with a refresh token, rotating its value when the config says so."""
        now = self.clock()
        grant = self.refresh.get(token)
        if grant is None or grant.revoked or grant.expires_at <= now:
            return None
        if grant.successor is not None:
            assert grant.retired_at is not None
            if now > grant.retired_at + self.config.refresh_grace:
                return None
            return self._response(grant.realm_id, grant.successor)
        grant.uses += 1
        by_count = self.config.rotate_refresh_after
        by_age = self.config.rotate_refresh_seconds
        if (by_count is not None and grant.uses >= by_count) or (
            by_age is not None and now - grant.issued_at >= by_age
        ):
            fresh = self.issue(grant.realm_id)
            grant.successor, grant.retired_at = fresh["refresh_token"], now
            return fresh
        return self._response(grant.realm_id, token)

    def check(self, token: str) -> AccessGrant | None:
        """Return the grant behind a live access token, or None."""
        grant = self.access.get(token)
        if grant is None or grant.expires_at <= self.clock():
            return None
        return grant

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far invalid."""
        now = self.clock()
        for grant in self.access.values():
            grant.expires_at = min(grant.expires_at, now)

    def revoke(self, token: str) -> None:
        """Disconnect the realm behind a refresh or access token: all its tokens stop working."""
        grant = self.refresh.get(token) or self.access.get(token)
        if grant is None:
            return
        for refresh in self.refresh.values():
            if refresh.realm_id == grant.realm_id:
                refresh.revoked = True
        for access in self.access.values():
            if access.realm_id == grant.realm_id:
                access.expires_at = 0
