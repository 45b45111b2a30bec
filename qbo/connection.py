"""Valid access tokens for an account's QBO connection: single-flight refresh, no lost rotation.

Intuit may invalidate a refresh token as soon as it hands out the next one (§1.5), so two
processes must never refresh with the same token, and a token Intuit handed out must be kept.

- A refresh is claimed first with a compare-and-set on the stored token_version (the claim keeps
  the refresh token, drops the access token and notes until when it holds); other processes wait
  for the claimer's result instead of refreshing themselves.
- The claim lasts longer than the slowest refresh its policy allows (every attempt timing out,
  every wait at its longest, then storing the answer), and the claimer stops retrying in time.
- One request to Intuit and the storing of its answer run to their end together: a cancelled
  caller waits for them, and a failing store is retried.
- If the claim was overtaken anyway (a stalled machine) but nobody stored a newer refresh token,
  the new tokens are stored all the same: Intuit holds them, and the stored one is dead.
- A claim is given back by compare-and-set on its own version, so an old token never lands
  over a newer one; *needs reconnect* is set the same way, so it never hides a reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

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
    ReconnectNeeded,
    ServerError,
    StoreError,
    ThrottledError,
)
from importer.domain.messages import N_
from importer.ports.clock import Clock, utcnow
from importer.ports.connections import ConnectionStore
from qbo.oauth import IntuitOAuth
from qbo.tokens import TokenCipher, Tokens

log = logging.getLogger(__name__)

T = TypeVar("T")

# How many times a refused refresh is tried again because a newer token was stored meanwhile.
REFUSALS_RETRIED = 2


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """How early to refresh, how to retry Intuit and the store, and how often to look."""

    margin: timedelta = timedelta(minutes=2)
    attempts: int = 4
    base_delay: float = 1.0
    # One request to Intuit's token endpoint, in seconds.
    timeout: float = 30.0
    # Storing Intuit's answer, retries included (SQLite waits up to 30 s for a lock).
    keep_for: float = 60.0
    store_delay: float = 0.25
    poll: float = 0.05

    def delay(self, attempt: int) -> float:
        """Return the wait before retry number attempt (0-based): exponential, with jitter."""
        return self.base_delay * 2.0**attempt * random.uniform(0.5, 1.0)

    @property
    def intuit_for(self) -> float:
        """The slowest refresh at Intuit: every attempt timing out, every wait at its longest."""
        waits = sum(self.base_delay * 2.0**attempt for attempt in range(self.attempts - 1))
        return self.attempts * self.timeout + waits

    @property
    def claim_for(self) -> timedelta:
        """How long a claim holds: the slowest refresh, then storing its answer."""
        return timedelta(seconds=self.intuit_for + self.keep_for)


class TokensNotKept(StoreError):
    """Intuit answered a refresh but the store refused its tokens for too long."""


def _claim_deadline(tokens: TokenSet, now: datetime) -> datetime | None:
    """Return until when another refresh holds the claim, or None if nobody does."""
    if tokens.access_token is None and tokens.access_token_expires_at is not None:
        return tokens.access_token_expires_at if tokens.access_token_expires_at > now else None
    return None


async def _uncancelled(work: Coroutine[Any, Any, T]) -> T:
    """Run work to its end even if the caller is cancelled meanwhile; then let that through."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise  # the work itself was cancelled (the event loop is closing)
            cancelled = True
        except BaseException:
            break  # the work failed: its exception is raised below
    if cancelled:
        task.exception()  # seen: the cancellation is what the caller gets
        raise asyncio.CancelledError
    return task.result()


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
        loop = asyncio.get_running_loop()
        give_up = self._clock() + 2 * policy.claim_for
        refusals = 0
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
            claimed_at = loop.time()  # before the write: a slow store shortens the claim
            if not await self._store.swap_tokens(account_id, connection.token_version, claim):
                continue  # another process claimed first: read what it does
            version = connection.token_version + 1
            try:
                fresh = await self._refresh_at_intuit(account_id, version, tokens, claimed_at)
            except InvalidGrant as error:
                # Only while nobody stored anything since the claim: never over a reconnect.
                marked = await self._store.set_connection_status(
                    account_id,
                    ConnectionStatus.NEEDS_RECONNECT,
                    RECONNECT_REASON,
                    token_version=version,
                    from_status=ConnectionStatus.CONNECTED,
                )
                if not marked and refusals < REFUSALS_RETRIED:
                    refusals += 1  # a newer token or a reconnect arrived meanwhile: try it
                    continue
                self._held.pop(account_id, None)
                # The error says it to whoever asked; the log keeps the ids for an operator.
                log.info(
                    "QBO connection of account %s needs reconnecting (intuit_tid %s)",
                    account_id,
                    error.intuit_tid,
                )
                raise ReconnectNeeded(
                    RECONNECT_REASON, realm_id=connection.realm_id, intuit_tid=error.intuit_tid
                ) from None
            except TokensNotKept:
                raise  # Intuit answered: giving the old token back would only hide the loss
            except BaseException:
                # Intuit handed out nothing: give the claim back with the token untouched.
                await self._release(account_id, version, connection.tokens)
                raise
            if fresh is not None:
                assert fresh.access_token is not None
                return fresh.access_token
            # A newer refresh token was stored meanwhile (a reconnect): read and use it.
        raise ServerError(
            N_("gave up waiting for another process to refresh the QuickBooks tokens")
        )

    async def _refresh_at_intuit(
        self, account_id: str, version: int, used: Tokens, claimed_at: float
    ) -> Tokens | None:
        """Refresh under a claim, retrying 429, 5xx and network failures while the claim lasts."""
        policy = self._policy
        loop = asyncio.get_running_loop()
        until = claimed_at + policy.intuit_for
        attempt = 0
        while True:
            within = min(policy.timeout, until - loop.time())
            if within <= 0:
                raise ServerError(N_("Intuit did not refresh the QuickBooks tokens in time"))
            try:
                return await _uncancelled(self._exchange(account_id, version, used, within))
            except (ServerError, ThrottledError) as error:
                attempt += 1
                if attempt >= policy.attempts:
                    raise
                delay = policy.delay(attempt - 1)
                log.info("QBO token refresh failed (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)

    async def _exchange(
        self, account_id: str, version: int, used: Tokens, within: float
    ) -> Tokens | None:
        """One refresh at Intuit and, once Intuit answers, its tokens stored."""
        fresh = await self._oauth.refresh(used.refresh_token, within=within)
        kept = await self._keep(account_id, version, used, fresh)
        if kept is not None:
            self._held[account_id] = kept
        return kept

    async def _keep(
        self, account_id: str, version: int, used: Tokens, fresh: Tokens
    ) -> Tokens | None:
        """Store Intuit's answer, retrying a failing store; None if a newer token is stored."""
        policy = self._policy
        loop = asyncio.get_running_loop()
        until = loop.time() + policy.keep_for
        sealed = self._cipher.seal(fresh)
        expected, revive = version, False
        wait = policy.store_delay
        while True:
            try:
                if await self._store.swap_tokens(account_id, expected, sealed):
                    if revive:
                        await self._revive(account_id, expected + 1)
                    return fresh
                latest = await self._store.get_connection(account_id)
            except StoreError as error:
                if loop.time() + wait > until:
                    log.error("new QBO tokens of account %s could not be stored", account_id)
                    raise TokensNotKept(
                        f"QuickBooks handed out new tokens that could not be stored ({error}); "
                        "if the next import says so, an admin must reconnect"
                    ) from error
                log.warning("storing new QBO tokens of account %s failed (%s)", account_id, error)
                await asyncio.sleep(wait)
                wait = min(2 * wait, 5.0)
                continue
            if latest is None or self._cipher.open(latest.tokens).refresh_token != (
                used.refresh_token
            ):
                return None  # a reconnect or another refresh stored a newer token: it stands
            # The claim was overtaken, but the stored token is still the one Intuit retired.
            log.warning(
                "QBO refresh of account %s outlived its claim; keeping its tokens", account_id
            )
            expected = latest.token_version
            revive = latest.status is ConnectionStatus.NEEDS_RECONNECT

    async def _revive(self, account_id: str, version: int) -> None:
        """Undo a *needs reconnect* set by a process that refreshed with the retired token."""
        try:
            await self._store.set_connection_status(
                account_id,
                ConnectionStatus.CONNECTED,
                token_version=version,
                from_status=ConnectionStatus.NEEDS_RECONNECT,
            )
        except StoreError as error:
            log.warning("QBO connection of account %s stays marked (%s)", account_id, error)

    async def _release(self, account_id: str, version: int, tokens: TokenSet) -> None:
        """Give a claim back with the tokens it replaced, only if nothing was stored since."""
        try:
            await _uncancelled(self._store.swap_tokens(account_id, version, tokens))
        except StoreError as error:
            log.warning(
                "QBO refresh claim of account %s stays until it lapses (%s)", account_id, error
            )


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
