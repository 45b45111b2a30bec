"""The QBO company attached to an account, and its tokens as stored (ciphertext only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from importer.domain.errors import NotConnected, ReconnectNeeded
from importer.domain.messages import N_

RECONNECT_REASON = N_(
    "QuickBooks no longer accepts the saved authorisation; an admin must reconnect"
)


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
    connected_at: datetime | None = None


def usable(connection: QboConnection | None) -> QboConnection:
    """Return the connection if imports may use it; raise NotConnected or ReconnectNeeded."""
    if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
        raise NotConnected(N_("this account is not connected to QuickBooks; connect it first"))
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        raise ReconnectNeeded(connection.status_reason or RECONNECT_REASON)
    return connection
