"""Accounts and plans (R6) through the services."""

from __future__ import annotations

import pytest

from importer.domain.errors import NoSuchAccount, PlanNotEnabled, UserError
from importer.domain.plans import Plans
from importer.services.accounts import AccountService
from storage.sqlite import SqliteStore


async def test_a_new_account_gets_the_default_plan(store: SqliteStore) -> None:
    service = AccountService(store, Plans(default="professional"))
    account = await service.create("Acme", currency="eur")
    assert (account.plan, account.currency) == ("professional", "EUR")
    assert (await service.named("  ACME ")).id == account.id


async def test_an_unknown_account_says_how_to_create_it(accounts: AccountService) -> None:
    with pytest.raises(NoSuchAccount, match="invoice2go accounts create 'Nobody'"):
        await accounts.named("Nobody")


async def test_a_plan_without_the_integration_is_refused_with_the_upgrade(
    accounts: AccountService,
) -> None:
    tiny = await accounts.create("Tiny", "starter")
    plans = Plans(frozenset({"premium"}))
    with pytest.raises(PlanNotEnabled, match="Upgrade to premium"):
        plans.require_qbo(tiny)
    assert Plans().allows_qbo("professional")


async def test_an_account_name_is_stored_without_escapes(accounts: AccountService) -> None:
    account = await accounts.create("\x1b[31mAcme\u202e Ltd ")
    assert account.name == "[31mAcme Ltd"
    assert (await accounts.named("[31macme ltd")).id == account.id
    with pytest.raises(UserError, match="cannot be empty"):
        await accounts.create("\u200b\x1b")
