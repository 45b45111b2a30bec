"""The one QBO object the CLI, the Slack app and the worker use: connect, read, disconnect."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import aiohttp

from importer.domain.connections import ConnectionStatus, QboConnection
from importer.domain.errors import (
    NotConnected,
    ReconnectNeeded,
    ServerError,
    ThrottledError,
    TokenError,
)
from importer.ports.clock import Clock, utcnow
from importer.ports.store import Store
from importer.qbo_source import QboSource
from invoice2go.settings import Settings
from qbo.client import AccessTokens, QboClient, RetryPolicy
from qbo.connection import ConnectionTokens, FixedTokens, RefreshPolicy, TokenManager
from qbo.limits import RealmLimits
from qbo.oauth import IntuitOAuth, OAuthEndpoints, OAuthStates
from qbo.tokens import TokenCipher, Tokens

log = logging.getLogger(__name__)

STATE_KEY_PURPOSE = "invoice2go qbo oauth state v1"


@dataclass(frozen=True, slots=True)
class IncomeAccount:
    """A QBO account of type Income that invoices can be booked to."""

    id: str
    name: str
    sub_type: str | None


class QboService:
    """Connect accounts to QBO companies and read them."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        cipher: TokenCipher,
        session: aiohttp.ClientSession,
        *,
        limits: RealmLimits | None = None,
        retry: RetryPolicy | None = None,
        refresh: RefreshPolicy | None = None,
        clock: Clock = utcnow,
    ) -> None:
        settings.require("qbo_client_id", "qbo_client_secret")
        assert settings.qbo_client_id
        assert settings.qbo_client_secret
        self._settings = settings
        self._store = store
        self._session = session
        self._cipher = cipher
        self._limits = limits or RealmLimits()
        self._retry = retry
        endpoints = OAuthEndpoints(
            auth_url=settings.qbo_auth_endpoint,
            token_url=settings.qbo_token_endpoint,
            revoke_url=settings.qbo_revoke_endpoint,
            client_id=settings.qbo_client_id,
            client_secret=settings.qbo_client_secret,
            redirect_uri=settings.qbo_redirect_uri or "",
        )
        self._oauth = IntuitOAuth(session, endpoints, clock)
        self._states = OAuthStates(store, cipher.derive_key(STATE_KEY_PURPOSE), clock)
        self._tokens = TokenManager(store, cipher, self._oauth, policy=refresh, clock=clock)

    def __repr__(self) -> str:
        return f"QboService(environment={self._settings.qbo_environment!r})"

    async def authorization_url(self, account_id: str, user: str | None = None) -> str:
        """Return Intuit's consent URL for an account, with a signed single-use state."""
        self._settings.require("qbo_redirect_uri")
        state = await self._states.issue({"account_id": account_id, "user": user})
        return self._oauth.authorization_url(state)

    async def complete_authorization(self, code: str, state: str, realm_id: str) -> QboConnection:
        """Finish the consent: check the state, exchange the code, store the company."""
        data = await self._states.redeem(state)
        tokens = await self._oauth.exchange_code(code)
        return await self._attach(str(data["account_id"]), realm_id, tokens)

    async def connect_with_refresh_token(
        self, account_id: str, realm_id: str, refresh_token: str
    ) -> QboConnection:
        """Attach a company with a refresh token obtained elsewhere, checking it works."""
        tokens = await self._oauth.refresh(refresh_token)
        return await self._attach(account_id, realm_id, tokens)

    async def _attach(self, account_id: str, realm_id: str, tokens: Tokens) -> QboConnection:
        # Store the (possibly rotated) tokens first: they are the only valid ones now.
        connection = await self._store.save_connection(
            QboConnection(
                account_id=account_id,
                realm_id=realm_id,
                environment=self._settings.qbo_environment,
                tokens=self._cipher.seal(tokens),
            )
        )
        assert tokens.access_token is not None
        client = self._client(realm_id, FixedTokens(tokens.access_token))
        details = _company_details(await client.company_info(), await client.preferences())
        await self._store.update_connection(account_id, **details)
        log.info("account %s connected to QBO company %s", account_id, realm_id)
        return replace(connection, **details)

    def _client(self, realm_id: str, tokens: AccessTokens) -> QboClient:
        return QboClient(
            self._session,
            self._settings.qbo_api_base_url,
            realm_id,
            tokens,
            self._limits.for_realm(realm_id),
            self._retry,
        )

    async def connection(self, account_id: str) -> QboConnection:
        """Return the account's usable connection, or raise NotConnected / ReconnectNeeded."""
        connection = await self._store.get_connection(account_id)
        if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
            raise NotConnected("this account is not connected to QuickBooks; connect it first")
        if connection.status is ConnectionStatus.NEEDS_RECONNECT:
            raise ReconnectNeeded(
                connection.status_reason or "QuickBooks must be connected again by an admin"
            )
        return connection

    async def client_for(self, account_id: str) -> QboClient:
        """Return an API client for the account's company."""
        connection = await self.connection(account_id)
        return self._client(connection.realm_id, ConnectionTokens(self._tokens, account_id))

    async def source_for(self, account_id: str) -> QboSource:
        """Return the account's company as a record source for the import engine."""
        return QboSource(await self.client_for(account_id))

    async def income_accounts(self, account_id: str) -> list[IncomeAccount]:
        """Return the company's active Income accounts, by name."""
        rows = await (await self.client_for(account_id)).income_accounts()
        accounts = [
            IncomeAccount(str(row.get("Id")), str(row.get("Name", "")), row.get("AccountSubType"))
            for row in rows
        ]
        return sorted(accounts, key=lambda account: (account.name.casefold(), account.id))

    async def disconnect(self, account_id: str) -> None:
        """Revoke the tokens at Intuit and mark the connection disconnected; data stays."""
        connection = await self._store.get_connection(account_id)
        if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
            raise NotConnected("this account is not connected to QuickBooks")
        try:
            await self._oauth.revoke(self._cipher.open(connection.tokens).refresh_token)
        except (ServerError, ThrottledError):
            raise  # Intuit did not answer: stay connected so the admin can try again
        except TokenError as error:
            # Already revoked or expired at Intuit: the app is out of the company anyway.
            log.info("QBO revoke refused for account %s: %s", account_id, error)
        await self._store.set_connection_status(
            account_id, ConnectionStatus.DISCONNECTED, "disconnected by an admin"
        )


def _company_details(info: dict[str, Any], prefs: dict[str, Any]) -> dict[str, Any]:
    """Return the connection's company fields; the home currency lives in Preferences."""
    currency = prefs.get("CurrencyPrefs") or {}
    home = currency.get("HomeCurrency") or {}
    return {
        "company_name": info.get("CompanyName"),
        "country": info.get("Country"),
        "home_currency": home.get("value"),
        "multicurrency": bool(currency.get("MultiCurrencyEnabled", False)),
    }
