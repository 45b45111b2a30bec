"""Connect an account to a QBO company (browser sign-in or a refresh token), and disconnect it."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from importer.domain.connections import ConnectionStatus, QboConnection, usable
from importer.domain.errors import (
    NoSuchAccount,
    NotConnected,
    ServerError,
    ThrottledError,
    TokenError,
)
from importer.domain.messages import N_
from importer.domain.model import Account, Kind
from importer.domain.plans import Plans
from importer.ports.accounts import AccountStore
from importer.ports.connections import ConnectionStore
from importer.ports.qbo import Grant, IncomeAccount, QboCompanies, QboSignIn
from importer.ports.source import PauseListener, RecordSource
from importer.services.oauth_states import OAuthStates

log = logging.getLogger(__name__)


class ConnectionService:
    """Attach QBO companies to accounts, read them, and let them go."""

    def __init__(
        self,
        accounts: AccountStore,
        connections: ConnectionStore,
        states: OAuthStates,
        sign_in: QboSignIn,
        companies: QboCompanies,
        plans: Plans,
    ) -> None:
        self._accounts = accounts
        self._connections = connections
        self._states = states
        self._sign_in = sign_in
        self._companies = companies
        self._plans = plans

    def __repr__(self) -> str:
        return f"ConnectionService(environment={self._sign_in.environment!r})"

    async def authorization_url(self, account: Account, user: str | None = None) -> str:
        """Return Intuit's consent URL for an account, with a signed single-use state."""
        self._plans.require_qbo(account)
        state = await self._states.issue({"account_id": account.id, "user": user})
        return self._sign_in.consent_url(state)

    async def complete_authorization(self, code: str, state: str, realm_id: str) -> QboConnection:
        """Finish the consent: check the state, exchange the code, store the company."""
        data = await self._states.redeem(state)
        account_id = str(data["account_id"])
        account = await self._accounts.get_account(account_id)
        if account is None:
            raise NoSuchAccount(account_id)
        self._plans.require_qbo(account)
        grant = await self._sign_in.exchange_code(code)
        return await self._attach(account.id, realm_id, grant)

    async def connect_with_refresh_token(
        self, account: Account, realm_id: str, refresh_token: str
    ) -> QboConnection:
        """Attach a company with a refresh token obtained elsewhere, checking it works."""
        self._plans.require_qbo(account)
        grant = await self._sign_in.refresh_grant(refresh_token)
        return await self._attach(account.id, realm_id, grant)

    async def _attach(self, account_id: str, realm_id: str, grant: Grant) -> QboConnection:
        # Store the (possibly rotated) tokens first: they are the only valid ones now.
        connection = await self._connections.save_connection(
            QboConnection(
                account_id=account_id,
                realm_id=realm_id,
                environment=self._sign_in.environment,
                tokens=grant.tokens,
            )
        )
        details = await self._sign_in.company_details(realm_id, grant)
        await self._connections.update_connection(
            account_id,
            company_name=details.company_name,
            country=details.country,
            home_currency=details.home_currency,
            multicurrency=details.multicurrency,
        )
        log.info("account %s connected to QBO company %s", account_id, realm_id)
        return replace(
            connection,
            company_name=details.company_name,
            country=details.country,
            home_currency=details.home_currency,
            multicurrency=details.multicurrency,
        )

    async def attached(self, account_id: str) -> QboConnection | None:
        """Return the company the account is attached to (usable or not), None if none."""
        connection = await self._connections.get_connection(account_id)
        if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
            return None
        return connection

    async def connection(self, account_id: str) -> QboConnection:
        """Return the account's usable connection, or raise NotConnected / ReconnectNeeded."""
        return usable(await self._connections.get_connection(account_id))

    async def source_for(
        self,
        account_id: str,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        *,
        on_pause: PauseListener | None = None,
    ) -> RecordSource:
        """Return the account's company (or only these records of it) as a record source;
        on_pause hears of each wait QuickBooks imposes."""
        connection = await self.connection(account_id)
        return self._companies.source(connection, record_ids, on_pause=on_pause)

    async def income_accounts(self, account_id: str) -> list[IncomeAccount]:
        """Return the company's active Income accounts, by name."""
        return await self._companies.income_accounts(await self.connection(account_id))

    async def disconnect(self, account_id: str) -> None:
        """Revoke the tokens at Intuit and mark the connection disconnected; data stays."""
        connection = await self._connections.get_connection(account_id)
        if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
            raise NotConnected(N_("this account is not connected to QuickBooks"))
        try:
            await self._sign_in.revoke(connection.tokens)
        except (ServerError, ThrottledError):
            raise  # Intuit did not answer: stay connected so the admin can try again
        except TokenError as error:
            # Already revoked or expired at Intuit: the app is out of the company anyway.
            log.info("QBO revoke refused for account %s: %s", account_id, error)
        await self._connections.set_connection_status(
            account_id, ConnectionStatus.DISCONNECTED, "disconnected by an admin"
        )
