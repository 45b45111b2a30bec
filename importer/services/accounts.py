"""Invoicing accounts: create, find by name, list."""

from __future__ import annotations

from dataclasses import replace

from importer.domain.errors import AccountExists, InvalidValue, NoSuchAccount
from importer.domain.inputs import checked_currency, checked_name
from importer.domain.messages import N_, OneOf
from importer.domain.model import PLANS, Account
from importer.domain.plans import Plans
from importer.ports.accounts import AccountStore


class AccountService:
    """Create and find invoicing accounts."""

    def __init__(self, accounts: AccountStore, plans: Plans) -> None:
        self._accounts = accounts
        self._plans = plans

    async def create(self, name: str, plan: str | None = None, currency: str = "USD") -> Account:
        """Create an account on a plan (the deployment's default plan unless given); a name,
        plan or currency the rules refuse raises InvalidValue, a taken name AccountExists."""
        clean = checked_name(name)
        code = checked_currency(currency)
        if plan is not None and plan not in PLANS:
            raise InvalidValue(
                N_("{plan!r} is not a plan; the plans are {choices}."),
                plan=plan,
                choices=OneOf(PLANS),
            )
        try:
            return await self._accounts.create_account(clean, plan or self._plans.default, code)
        except AccountExists:
            existing = await self._accounts.find_account(clean)
            raise AccountExists(
                N_("An account named {name!r} already exists."),
                name=existing.name if existing else clean,
            ) from None

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
