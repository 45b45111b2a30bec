"""QBO connections (tokens by compare-and-set) and the single-use OAuth states of sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from importer.domain.connections import ConnectionStatus, QboConnection, TokenSet


class ConnectionStore(Protocol):
    """The QBO company attached to each account, with its encrypted tokens."""

    async def save_connection(self, connection: QboConnection) -> QboConnection:
        """Attach (or re-attach) a company to an account.

        The token version only grows: a re-attached connection's version is above every version
        the account's connection had, so a process holding the replaced one loses its swaps.
        """
        ...

    async def get_connection(self, account_id: str) -> QboConnection | None:
        """Return the account's QBO connection."""
        ...

    async def swap_tokens(self, account_id: str, expected_version: int, tokens: TokenSet) -> bool:
        """Replace tokens only if the stored version is still expected_version (compare-and-set)."""
        ...

    async def set_connection_status(
        self,
        account_id: str,
        status: ConnectionStatus,
        reason: str | None = None,
        *,
        token_version: int | None = None,
        from_status: ConnectionStatus | None = None,
    ) -> bool:
        """Mark the connection connected, in need of reconnecting, or disconnected.

        With token_version or from_status, only while the stored connection still has that
        version and status (compare-and-set). Return whether the status was written.
        """
        ...

    async def update_connection(self, account_id: str, **changes: Any) -> None:
        """Change descriptive fields (company name, currency, income account)."""
        ...


class OAuthStateStore(Protocol):
    """OAuth states: kept until taken once or expired."""

    async def put_oauth_state(
        self, state_id: str, data: Mapping[str, Any], expires_at: datetime
    ) -> None:
        """Keep a state until it is taken or expires."""
        ...

    async def get_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        """Return a state that has not expired nor been taken, leaving it in place."""
        ...

    async def take_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        """Return and remove a state that has not expired; None when unknown, used or expired."""
        ...
