"""QuickBooks Online behind the services' ports: Intuit's OAuth, and a connected company's API.

Built from explicit values by the composition root; every HTTP request goes over its one
aiohttp session, within QBO's limits per company.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from importer.domain.connections import QboConnection, TokenSet
from importer.domain.model import Kind
from importer.ports.clock import Clock, utcnow
from importer.ports.connections import ConnectionStore
from importer.ports.qbo import CompanyDetails, Grant, IncomeAccount
from importer.ports.source import PauseListener
from qbo.client import AccessTokens, QboClient, RetryPolicy
from qbo.connection import ConnectionTokens, FixedTokens, RefreshPolicy, TokenManager
from qbo.limits import RealmLimits
from qbo.oauth import IntuitOAuth, OAuthEndpoints
from qbo.records_by_id import QboRecordsById
from qbo.source import QboSource
from qbo.tokens import TokenCipher, Tokens


class Quickbooks:
    """Sign in with Intuit and read connected companies (QboSignIn and QboCompanies)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base: str,
        environment: str,
        endpoints: OAuthEndpoints,
        cipher: TokenCipher,
        connections: ConnectionStore,
        limits: RealmLimits | None = None,
        retry: RetryPolicy | None = None,
        refresh: RefreshPolicy | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self._session = session
        self._api_base = api_base
        self._environment = environment
        self._cipher = cipher
        self._limits = limits or RealmLimits()
        self._retry = retry
        self._oauth = IntuitOAuth(session, endpoints, clock)
        self._tokens = TokenManager(connections, cipher, self._oauth, policy=refresh, clock=clock)

    def __repr__(self) -> str:
        return f"Quickbooks(environment={self._environment!r})"

    @property
    def environment(self) -> str:
        """Which Intuit environment this deployment talks to (sandbox or production)."""
        return self._environment

    def consent_url(self, state: str) -> str:
        """Return Intuit's consent page URL carrying this state."""
        return self._oauth.authorization_url(state)

    def _grant(self, tokens: Tokens) -> Grant:
        assert tokens.access_token is not None  # IntuitOAuth refuses an answer without one
        return Grant(self._cipher.seal(tokens), tokens.access_token)

    async def exchange_code(self, code: str) -> Grant:
        """Trade an authorisation code (once) for tokens."""
        return self._grant(await self._oauth.exchange_code(code))

    async def refresh_grant(self, refresh_token: str) -> Grant:
        """Trade a refresh token obtained elsewhere for tokens, proving it works."""
        return self._grant(await self._oauth.refresh(refresh_token))

    async def revoke(self, tokens: TokenSet) -> None:
        """Revoke stored tokens at Intuit: the app leaves the company."""
        await self._oauth.revoke(self._cipher.open(tokens).refresh_token)

    async def company_details(self, realm_id: str, grant: Grant) -> CompanyDetails:
        """Read the company's name, country and currency with a fresh grant."""
        client = self._client(realm_id, FixedTokens(grant.access_token))
        return _company_details(await client.company_info(), await client.preferences())

    def _client(
        self, realm_id: str, tokens: AccessTokens, on_pause: PauseListener | None = None
    ) -> QboClient:
        return QboClient(
            self._session,
            self._api_base,
            realm_id,
            tokens,
            self._limits.for_realm(realm_id),
            self._retry,
            on_pause=on_pause,
        )

    def client(self, connection: QboConnection, on_pause: PauseListener | None = None) -> QboClient:
        """Return an API client for a connected company, refreshing its tokens as needed."""
        tokens = ConnectionTokens(self._tokens, connection.account_id)
        return self._client(connection.realm_id, tokens, on_pause)

    def source(
        self,
        connection: QboConnection,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        *,
        on_pause: PauseListener | None = None,
    ) -> QboSource | QboRecordsById:
        """Return the company (or only these records of it) as a source for the engine."""
        client = self.client(connection, on_pause)
        return QboSource(client) if record_ids is None else QboRecordsById(client, record_ids)

    async def income_accounts(self, connection: QboConnection) -> list[IncomeAccount]:
        """Return the company's active Income accounts, by name."""
        rows = await self.client(connection).income_accounts()
        accounts = [
            IncomeAccount(str(row.get("Id")), str(row.get("Name", "")), row.get("AccountSubType"))
            for row in rows
        ]
        return sorted(accounts, key=lambda account: (account.name.casefold(), account.id))


def _company_details(info: dict[str, Any], prefs: dict[str, Any]) -> CompanyDetails:
    """Return the connection's company fields; the home currency lives in Preferences."""
    currency = prefs.get("CurrencyPrefs") or {}
    home = currency.get("HomeCurrency") or {}
    return CompanyDetails(
        company_name=info.get("CompanyName"),
        country=info.get("Country"),
        home_currency=home.get("value"),
        multicurrency=bool(currency.get("MultiCurrencyEnabled", False)),
        tax_setup=_tax_setup(prefs.get("TaxPrefs") or {}),
    )


def _tax_setup(tax: dict[str, Any]) -> str:
    """Return how the company books sales tax (reference §4.4)."""
    if tax.get("PartnerTaxEnabled"):
        return "automated"  # US automated sales tax: QBO works the rate out per invoice
    if tax.get("UsingSalesTax"):
        return "codes"
    return "none"
