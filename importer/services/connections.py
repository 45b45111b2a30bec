"""Connect an account to a QBO company (browser sign-in or a refresh token), and disconnect it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from importer.domain.connections import (
    ConnectionStatus,
    QboConnection,
    carried_over,
    checked_realm_id,
    usable,
)
from importer.domain.errors import (
    AuthError,
    ConfigurationError,
    NotConnected,
    OAuthStateError,
    QboError,
    ServerError,
    ThrottledError,
    TokenError,
    UserError,
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


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A finished browser sign-in: the account, its new connection, what the link carried."""

    account: Account
    connection: QboConnection
    data: Mapping[str, Any]


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
        public_url: str = "",
    ) -> None:
        self._public_url = public_url.rstrip("/")
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

    async def sign_in_link(
        self, account: Account, *, user: str | None = None, **carried: Any
    ) -> str:
        """Return this service's link that starts the browser sign-in for an account.

        The link carries a signed, single-use state that expires; carried values (the
        person's locale, where to tell them) come back when the sign-in ends.
        """
        self._plans.require_qbo(account)
        if not self._public_url:
            raise ConfigurationError(
                N_("missing configuration: set {names}"), names="QBO_REDIRECT_URI"
            )
        state = await self._states.issue({"account_id": account.id, "user": user, **carried})
        return f"{self._public_url}/quickbooks/connect?{urlencode({'state': state})}"

    async def consent_for(self, state: str) -> str:
        """Return Intuit's consent URL for a sign-in link's state that can still be used."""
        await self._states.check(state)
        return self._sign_in.consent_url(state)

    async def sign_in_data(self, state: str) -> Mapping[str, Any] | None:
        """Return what a still-usable sign-in state carries, or None; never redeems it."""
        try:
            return await self._states.check(state)
        except OAuthStateError:
            return None

    def sign_in_locale(self, state: str) -> str | None:
        """Return the language a sign-in link was made in, even once it is used or expired."""
        return self._states.locale_of(state)

    async def complete_authorization(self, code: str, state: str, realm_id: str) -> QboConnection:
        """Finish the consent: check the state, exchange the code, store the company."""
        return (await self.redeem_sign_in(code, state, realm_id)).connection

    async def redeem_sign_in(self, code: str, state: str, realm_id: str) -> SignedIn:
        """Finish a browser sign-in: redeem the state once, exchange the code, store the company."""
        realm_id = checked_realm_id(realm_id)  # before the state and the code are spent
        data = await self._states.redeem(state)
        account_id = str(data["account_id"])
        account = await self._accounts.get_account(account_id)
        if account is None:  # deleted since the link was made: there is nothing to connect
            raise UserError(N_("the account this sign-in link was made for no longer exists"))
        self._plans.require_qbo(account)
        grant = await self._sign_in.exchange_code(code)
        connection = await self._attach(account.id, realm_id, grant)
        return SignedIn(account, connection, data)

    async def connect_with_refresh_token(
        self, account: Account, realm_id: str, refresh_token: str
    ) -> QboConnection:
        """Attach a company with a refresh token obtained elsewhere, checking it works."""
        realm_id = checked_realm_id(realm_id)  # before the token is spent
        self._plans.require_qbo(account)
        grant = await self._sign_in.refresh_grant(refresh_token)
        return await self._attach(account.id, realm_id, grant)

    async def _attach(self, account_id: str, realm_id: str, grant: Grant) -> QboConnection:
        # Read the company first: a connection is replaced only by one that can read its company.
        try:
            details = await self._sign_in.company_details(realm_id, grant)
        except AuthError as error:
            raise UserError(
                N_(
                    "QuickBooks does not let these tokens read company {realm}; check the realm "
                    "id (the company id shown where the tokens were made)"
                ),
                realm=realm_id,
            ) from error
        replaced = await self._connections.get_connection(account_id)
        signed_in = carried_over(
            replaced,
            QboConnection(
                account_id=account_id,
                realm_id=realm_id,
                environment=self._sign_in.environment,
                tokens=grant.tokens,
                company_name=details.company_name,
                country=details.country,
                home_currency=details.home_currency,
                multicurrency=details.multicurrency,
                tax_setup=details.tax_setup,
            ),
        )
        connection = await self._connections.save_connection(signed_in)
        log.info("account %s connected to QBO company %s", account_id, realm_id)
        if (
            replaced is not None
            and replaced.status is not ConnectionStatus.DISCONNECTED
            and replaced.realm_id != realm_id
        ):
            # Revoking disconnects the app from that whole company (§1.8): only from another one.
            await self._revoke_replaced(replaced)
        return connection

    async def _revoke_replaced(self, replaced: QboConnection) -> None:
        """Let the replaced company go at Intuit; the new connection stands whatever happens."""
        try:
            await self._sign_in.revoke(replaced.tokens)
        except QboError as error:
            log.warning(
                "could not revoke the replaced QBO connection to company %s of account %s: %s",
                replaced.realm_id,
                replaced.account_id,
                error,
            )
        else:
            log.info(
                "revoked the replaced QBO connection to company %s of account %s",
                replaced.realm_id,
                replaced.account_id,
            )

    async def ready_to_import(self, account: Account) -> QboConnection:
        """Return the connection an import would use; refuse the plan first (R6), then a
        missing or refused connection (NotConnected, ReconnectNeeded)."""
        self._plans.require_qbo(account)
        return await self.connection(account.id)

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

    async def choose_income_account(
        self, account: Account, income_account_id: str, *, check_within: float | None = None
    ) -> None:
        """Keep the QBO income account invoices are booked to (the wizard's step 2), once
        QuickBooks confirms it is an active Income account. check_within bounds that check in
        seconds (a person waits for the answer): a QuickBooks slower than that leaves the choice
        kept unchecked, as the list it was picked from came from QuickBooks moments before."""
        try:
            async with asyncio.timeout(check_within):
                choices = {income.id for income in await self.income_accounts(account.id)}
        except TimeoutError:
            log.warning("QuickBooks was slow to list the income accounts; kept the choice as made")
        else:
            if income_account_id not in choices:
                raise UserError(
                    N_("that is not an active Income account of the QuickBooks company")
                )
        await self._connections.update_connection(account.id, income_account_id=income_account_id)

    async def confirm_settings(self, account: Account) -> None:
        """Note that the currency and tax set-up were seen and accepted (the wizard's step 3)."""
        await self.connection(account.id)
        await self._connections.update_connection(account.id, settings_confirmed=True)

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
