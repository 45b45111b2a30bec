"""A QBO connection as a stored document, the same for both stores but for how times are kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet

# Descriptive fields update_connection may change; tokens change only by compare-and-set.
CHANGEABLE_FIELDS = frozenset(
    {
        "status",
        "status_reason",
        "company_name",
        "country",
        "home_currency",
        "multicurrency",
        "income_account_id",
        "tax_setup",
        "settings_confirmed",
        "reconnect_told",
    }
)

TimeIn = Callable[[datetime], Any]
TimeOut = Callable[[Any], datetime | None]


def check_changes(changes: Mapping[str, Any]) -> None:
    """Refuse a change to anything but the descriptive fields."""
    unknown = set(changes) - CHANGEABLE_FIELDS
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)} on a connection")


def tokens_to_doc(tokens: TokenSet, time_in: TimeIn) -> dict[str, Any]:
    """Return the stored form of a token set (ciphertext and expiry times)."""
    at, rt = tokens.access_token_expires_at, tokens.refresh_token_expires_at
    return {
        "refresh_token": tokens.refresh_token,
        "access_token": tokens.access_token,
        "access_token_expires_at": None if at is None else time_in(at),
        "refresh_token_expires_at": None if rt is None else time_in(rt),
    }


def tokens_from_doc(doc: Mapping[str, Any], time_out: TimeOut) -> TokenSet:
    """Return the token set stored in doc."""
    return TokenSet(
        refresh_token=doc["refresh_token"],
        access_token=doc.get("access_token"),
        access_token_expires_at=time_out(doc.get("access_token_expires_at")),
        refresh_token_expires_at=time_out(doc.get("refresh_token_expires_at")),
    )


def connection_to_doc(connection: QboConnection, time_in: TimeIn) -> dict[str, Any]:
    """Return a connection's stored fields, but for its account, realm and token version."""
    connected = connection.connected_at
    return {
        "environment": connection.environment,
        "tokens": tokens_to_doc(connection.tokens, time_in),
        "status": connection.status.value,
        "status_reason": connection.status_reason,
        "company_name": connection.company_name,
        "country": connection.country,
        "home_currency": connection.home_currency,
        "multicurrency": connection.multicurrency,
        "income_account_id": connection.income_account_id,
        "tax_setup": connection.tax_setup,
        "settings_confirmed": connection.settings_confirmed,
        "connected_at": None if connected is None else time_in(connected),
        "reconnect_told": connection.reconnect_told,
    }


def connection_from_doc(
    account_id: str, realm_id: str, token_version: int, doc: Mapping[str, Any], time_out: TimeOut
) -> QboConnection:
    """Build a connection from its stored fields."""
    return QboConnection(
        account_id=account_id,
        realm_id=realm_id,
        environment=doc["environment"],
        tokens=tokens_from_doc(doc["tokens"], time_out),
        token_version=token_version,
        status=ConnectionStatus(doc["status"]),
        status_reason=doc.get("status_reason"),
        company_name=doc.get("company_name"),
        country=doc.get("country"),
        home_currency=doc.get("home_currency"),
        multicurrency=doc.get("multicurrency"),
        income_account_id=doc.get("income_account_id"),
        tax_setup=doc.get("tax_setup"),
        settings_confirmed=bool(doc.get("settings_confirmed", False)),
        connected_at=time_out(doc.get("connected_at")),
        reconnect_told=bool(doc.get("reconnect_told", False)),
    )
