"""Invoicing accounts, as the account services and every entry point find them."""

from __future__ import annotations

from typing import Protocol

from importer.domain.model import Account


class AccountStore(Protocol):
    """Create, find and list accounts; names are unique after normalisation."""

    async def create_account(self, name: str, plan: str, currency: str = "USD") -> Account:
        """Create an account; raise AccountExists when the name is taken."""
        ...

    async def find_account(self, name: str) -> Account | None:
        """Return the account with this name, compared as name keys."""
        ...

    async def get_account(self, account_id: str) -> Account | None:
        """Return the account with this id."""
        ...

    async def list_accounts(self) -> list[Account]:
        """Return every account ordered by name key."""
        ...

    async def set_auto_import(self, account_id: str, enabled: bool) -> None:
        """Turn auto-import (J7) on or off for an account."""
        ...
