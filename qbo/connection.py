"""Valid access tokens for an account's QBO connection: single-flight refresh, no lost rotation.

Intuit may invalidate a refresh token as soon as it hands out the next one (§1.5), so two
processes must never refresh with the same token. A refresh is therefore claimed first with a
compare-and-set on the stored token_version (the claim keeps the refresh token, drops the access
token and notes until when it holds); other processes wait for the claimer's result instead of
refreshing themselves. Every rotated token is stored before anything uses it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from importer.domain.connections import (
    RECONNECT_REASON,
    ConnectionStatus,
    QboConnection,
    TokenSet,
    usable,
)
from importer.domain.errors import (
    InvalidGrant,
    NotConnected,
    QboError,
    ReconnectNeeded,
    ServerError,
    ThrottledError,
)
from importer.domain.messages import N_
from importer.ports.clock import Clock, utcnow
from importer.ports.connections import ConnectionStore
from qbo.oauth import IntuitOAuth
from qbo.tokens import TokenCipher, Tokens

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """How early to refresh, how long a claim holds, and how to retry Intuit's hiccups."""

    margin: timedelta = timedelta(minutes=2)
    claim_for: timedelta = timedelta(seconds=45)
    attempts: int = 4
    base_delay: float = 1.0
    poll: float = 0.05


def _claim_deadline(tokens: TokenSet, now: datetime) -> datetime | None:
    """Return until when another refresh holds the claim, or None if nobody does."""
    if tokens.access_token is None and tokens.access_token_expires_at is not None:
        return tokens.access_token_expires_at if tokens.access_token_expires_at > now else None
    return None


class TokenManager:
    """Hand out access tokens per account, refreshing once for all callers when needed."""

    def __init__(
        self,
        store: ConnectionStore,
        cipher: TokenCipher,
        oauth: IntuitOAuth,
        *,
        policy: RefreshPolicy | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._store = store
        self._cipher = cipher
        self._oauth = oauth
        self._policy = policy or RefreshPolicy()
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._held: dict[str, Tokens] = {}

    def __repr__(self) -> str:
        return f"TokenManager(accounts={len(self._held)})"

    async def access_token(self, account_id: str) -> str:
        """Return an access token good for at least the refresh margin."""
        held = self._held.get(account_id)
        if held is not None and held.access_valid_at(self._clock(), self._policy.margin):
            assert held.access_token is not None
            return held.access_token
        return await self.refresh(account_id)

    async def refresh(self, account_id: str, rejected: str | None = None) -> str:
        """Return a fresh access token; rejected is one QBO just answered 401 to."""
        lock = self._locks.setdefault(account_id, asyncio.Lock())
        async with lock:
            return await self._refresh(account_id, rejected)

    async def _load(self, account_id: str) -> QboConnection:
        return usable(await self._store.get_connection(account_id))

    async def _refresh(self, account_id: str, rejected: str | None) -> str:
        policy = self._policy
        give_up = self._clock() + 2 * policy.claim_for
        retried_rejection = False
        while self._clock() < give_up:
            connection = await self._load(account_id)
            now = self._clock()
            tokens = self._cipher.open(connection.tokens)
            if tokens.access_token != rejected and tokens.access_valid_at(now, policy.margin):
                self._held[account_id] = tokens  # someone refreshed already: use theirs
                assert tokens.access_token is not None
                return tokens.access_token
            if _claim_deadline(connection.tokens, now) is not None:
                await asyncio.sleep(policy.poll)  # another process is refreshing
                continue
            claim = TokenSet(
                refresh_token=connection.tokens.refresh_token,
                access_token=None,
                access_token_expires_at=now + policy.claim_for,
                refresh_token_expires_at=connection.tokens.refresh_token_expires_at,
            )
            if not await self._store.swap_tokens(account_id, connection.token_version, claim):
                continue  # another process claimed first: read what it does
            version = connection.token_version + 1
            try:
                fresh = await self._call_intuit(tokens.refresh_token)
            except InvalidGrant as error:
                latest = await self._store.get_connection(account_id)
                if latest is not None and latest.token_version != version and not retried_rejection:
                    # Our claim was overtaken and the token rotated meanwhile: retry once.
                    retried_rejection = True
                    continue
                await self._store.set_connection_status(
                    account_id, ConnectionStatus.NEEDS_RECONNECT, RECONNECT_REASON
                )
                self._held.pop(account_id, None)
                # The error says it to whoever asked; the log keeps the ids for an operator.
                log.info(
                    "QBO connection of account %s needs reconnecting (intuit_tid %s)",
                    account_id,
                    error.intuit_tid,
                )
                raise ReconnectNeeded(RECONNECT_REASON, intuit_tid=error.intuit_tid) from None
            except BaseException:
                # Give the claim back with the token untouched: nothing is lost.
                await self._store.swap_tokens(account_id, version, connection.tokens)
                raise
            if await self._store.swap_tokens(account_id, version, self._cipher.seal(fresh)):
                self._held[account_id] = fresh
                assert fresh.access_token is not None
                return fresh.access_token
            log.warning("QBO refresh of account %s outlived its claim; rereading", account_id)
        raise ServerError(
            N_("gave up waiting for another process to refresh the QuickBooks tokens")
        )

    async def _call_intuit(self, refresh_token: str) -> Tokens:
        """Refresh at Intuit, retrying 429, 5xx and network failures a bounded number of times."""
        policy = self._policy
        for attempt in range(policy.attempts):
            try:
                return await self._oauth.refresh(refresh_token)
            except (ServerError, ThrottledError) as error:
                if attempt + 1 >= policy.attempts:
                    raise
                delay = policy.base_delay * 2**attempt * random.uniform(0.5, 1.0)
                log.info("QBO token refresh failed (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
        raise QboError("token refresh attempts exhausted")  # unreachable: the loop raises


class ConnectionTokens:
    """The access tokens of one account, as the API client asks for them."""

    def __init__(self, manager: TokenManager, account_id: str) -> None:
        self._manager = manager
        self._account_id = account_id

    async def current(self) -> str:
        """Return a valid access token."""
        return await self._manager.access_token(self._account_id)

    async def renew(self, rejected: str) -> str:
        """Return a new access token after QBO answered 401 to rejected."""
        return await self._manager.refresh(self._account_id, rejected)


class FixedTokens:
    """One access token that cannot be renewed (right after consent, before saving)."""

    def __init__(self, access_token: str) -> None:
        self._access_token = access_token

    def __repr__(self) -> str:
        return "FixedTokens(<hidden>)"

    async def current(self) -> str:
        """Return the token."""
        return self._access_token

    async def renew(self, rejected: str) -> str:
        """Refuse: there is no refresh token to use yet."""
        raise NotConnected(N_("QuickBooks refused a brand-new access token; connect again"))
