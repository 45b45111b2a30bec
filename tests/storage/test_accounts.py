"""Contract: accounts, and migrating twice."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from importer.domain.errors import AccountExists
from importer.ports.store import Store
from tests.storage.conftest import Clock


async def test_created_account_is_found_by_name_and_id(store: Store, clock: Clock) -> None:
    account = await store.create_account("  Acme Plumbing ", "premium", "EUR")

    assert account.name == "Acme Plumbing"
    assert (account.plan, account.currency, account.created_at) == ("premium", "EUR", clock.now)
    assert await store.find_account("ACME   plumbing") == account
    assert await store.get_account(account.id) == account


async def test_duplicate_account_name_is_refused_whatever_its_case(store: Store) -> None:
    await store.create_account("O’Brien & Sons", "premium")

    with pytest.raises(AccountExists):
        await store.create_account("o'brien  & SONS", "starter")
    assert len(await store.list_accounts()) == 1


async def test_unknown_account_is_none(store: Store) -> None:
    assert await store.find_account("nobody") is None
    assert await store.get_account("0" * 32) is None


async def test_accounts_are_listed_by_name(store: Store) -> None:
    for name in ["zeta", "Alpha", "mike"]:
        await store.create_account(name, "professional")

    assert [a.name for a in await store.list_accounts()] == ["Alpha", "mike", "zeta"]


async def test_migrate_twice_keeps_data_and_constraints(store: Store) -> None:
    await store.create_account("Acme", "premium")

    await store.migrate()

    assert [a.name for a in await store.list_accounts()] == ["Acme"]
    with pytest.raises(AccountExists):
        await store.create_account("ACME", "premium")


async def test_times_come_back_timezone_aware_in_utc(store: Store, clock: Clock) -> None:
    clock.now = clock.now.astimezone(timezone(timedelta(hours=2)))

    account = await store.create_account("Acme", "premium")
    found = await store.get_account(account.id)

    assert found is not None
    assert found.created_at == clock.now
    assert found.created_at.utcoffset() == timedelta(0)
    assert account.created_at.utcoffset() == timedelta(0)
