"""Services called directly, without the command line, on the embedded store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from importer.domain.model import Account
from importer.domain.plans import Plans
from importer.services.accounts import AccountService
from importer.services.records import RecordService
from storage.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "services.sqlite3")
    await store.migrate()
    yield store
    await store.close()


@pytest.fixture
def accounts(store: SqliteStore) -> AccountService:
    return AccountService(store, Plans())


@pytest.fixture
def records(store: SqliteStore) -> RecordService:
    return RecordService(store)


@pytest.fixture
async def account(accounts: AccountService) -> Account:
    return await accounts.create("Acme Landscaping")
