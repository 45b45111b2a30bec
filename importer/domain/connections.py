"""The QBO company attached to an account, and its tokens as stored (ciphertext only)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from importer.domain.errors import InvalidValue, NotConnected, ReconnectNeeded
from importer.domain.messages import N_

RECONNECT_REASON = N_(
    "QuickBooks no longer accepts the saved authorisation; an admin must reconnect"
)


# Intuit's company ids are decimal numbers (16 to 19 digits in practice).
_REALM_ID = re.compile(r"[0-9]{1,32}")


def checked_realm_id(realm_id: str) -> str:
    """Return a QBO company id (realmId) without surrounding spaces, or raise InvalidValue."""
    realm = realm_id.strip()
    if not _REALM_ID.fullmatch(realm):
        shown = realm_id if len(realm_id) <= 40 else realm_id[:40] + "…"
        raise InvalidValue(
            N_(
                "{shown!r} is not a QuickBooks company id (realm id): it is digits only, "
                "for example 9341455130166501"
            ),
            shown=shown,
        )
    return realm


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True, slots=True)
class TokenSet:
    """Encrypted tokens with their expiry times, as stored."""

    refresh_token: str
    access_token: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QboConnection:
    """The QBO company attached to an account; token fields hold ciphertext only."""

    account_id: str
    realm_id: str
    environment: str
    tokens: TokenSet
    token_version: int = 0
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    status_reason: str | None = None
    company_name: str | None = None
    country: str | None = None
    home_currency: str | None = None
    multicurrency: bool | None = None
    income_account_id: str | None = None
    # How the company books sales tax: "automated" (US automated sales tax), "codes" (tax
    # codes), "none"; read from its Preferences when it is connected.
    tax_setup: str | None = None
    # The person setting up acknowledged the currency and tax set-up (the wizard's step 3).
    settings_confirmed: bool = False
    connected_at: datetime | None = None
    # An admin was told that QuickBooks refused this connection's sign-in (J6: once).
    reconnect_told: bool = False


def carried_over(replaced: QboConnection | None, new: QboConnection) -> QboConnection:
    """Return the new connection with what the set-up chose on the one it replaces: signing in
    again to the same company (a reconnect) keeps the income account, and the confirmation of
    currency and taxes while QBO's home currency, multicurrency and tax set-up are as they were
    confirmed. Another company, or one the account had disconnected, is set up afresh."""
    if (
        replaced is None
        or replaced.realm_id != new.realm_id
        or replaced.status is ConnectionStatus.DISCONNECTED
    ):
        return new
    as_confirmed = (replaced.home_currency, replaced.multicurrency, replaced.tax_setup) == (
        new.home_currency,
        new.multicurrency,
        new.tax_setup,
    )
    return replace(
        new,
        income_account_id=replaced.income_account_id,
        settings_confirmed=replaced.settings_confirmed and as_confirmed,
    )


def usable(connection: QboConnection | None) -> QboConnection:
    """Return the connection if imports may use it; raise NotConnected or ReconnectNeeded."""
    if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
        raise NotConnected(N_("this account is not connected to QuickBooks; connect it first"))
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        raise ReconnectNeeded(
            connection.status_reason or RECONNECT_REASON, realm_id=connection.realm_id
        )
    return connection


class SetupStep(StrEnum):
    """Where the connect wizard (J2) stands: what is left to do, in order."""

    SIGN_IN = "sign_in"
    INCOME_ACCOUNT = "income_account"
    TAXES_AND_CURRENCY = "taxes_and_currency"
    WHAT_TO_IMPORT = "what_to_import"


def setup_step(connection: QboConnection | None) -> SetupStep:
    """Return the wizard's next step for a connection: resuming is picking up from here."""
    if connection is None or connection.status is not ConnectionStatus.CONNECTED:
        return SetupStep.SIGN_IN
    if not connection.income_account_id:
        return SetupStep.INCOME_ACCOUNT
    if not connection.settings_confirmed:
        return SetupStep.TAXES_AND_CURRENCY
    return SetupStep.WHAT_TO_IMPORT


def currency_differs(account_currency: str, connection: QboConnection) -> bool:
    """Tell whether QBO keeps its books in another currency than the invoicing account's."""
    home = (connection.home_currency or "").upper()
    return bool(home) and home != account_currency.upper()
