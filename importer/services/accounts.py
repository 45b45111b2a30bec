"""Invoicing accounts: create, find by name, list."""

from __future__ import annotations

from dataclasses import replace

from importer.domain.errors import NoSuchAccount, UserError
from importer.domain.model import Account
from importer.domain.names import MAX_NAME_LENGTH, display_name, is_valid_name
from importer.domain.plans import Plans
from importer.ports.accounts import AccountStore


class AccountService:
    """Create and find invoicing accounts."""

    def __init__(self, accounts: AccountStore, plans: Plans) -> None:
        self._accounts = accounts
        self._plans = plans

    async def create(self, name: str, plan: str | None = None, currency: str = "USD") -> Account:
        """Create an account on a plan (the deployment's default plan unless given)."""
        if not is_valid_name(name):
            raise UserError(
                f"an account name cannot be empty or longer than {MAX_NAME_LENGTH} characters"
            )
        return await self._accounts.create_account(
            display_name(name), plan or self._plans.default, currency.upper()
        )

    async def named(self, name: str) -> Account:
        """Return the named account, or raise NoSuchAccount saying how to create it."""
        account = await self._accounts.find_account(name)
        if account is None:
            raise NoSuchAccount(name)
        return account

    async def set_auto_import(self, account: Account, enabled: bool) -> Account:
        """Turn auto-import (J7) on or off; only plans with the QBO integration may turn it on."""
        if enabled:
            self._plans.require_qbo(account)
        await self._accounts.set_auto_import(account.id, enabled)
        return replace(account, auto_import=enabled)

    async def all(self) -> list[Account]:
        """Return every account, by name."""
        return await self._accounts.list_accounts()
