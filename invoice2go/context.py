"""What a command needs, opened once and closed in order: settings, store, HTTP session, QBO."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp

from importer.domain.errors import UserError
from importer.domain.model import Account
from importer.engine import ImportEngine
from importer.ports.store import Store
from invoice2go.i18n import t
from invoice2go.settings import Settings
from qbo.service import QboService
from qbo.tokens import TokenCipher, cipher_from_settings
from storage.factory import open_store


@dataclass
class Services:
    """The objects commands work with; QBO parts are built only when a command needs them."""

    settings: Settings
    store: Store
    session: aiohttp.ClientSession
    _cipher: TokenCipher | None = field(default=None, repr=False)
    _qbo: QboService | None = field(default=None, repr=False)

    @property
    def cipher(self) -> TokenCipher:
        if self._cipher is None:
            self._cipher = cipher_from_settings(self.settings)
        return self._cipher

    @property
    def qbo(self) -> QboService:
        if self._qbo is None:
            self._qbo = QboService(self.settings, self.store, self.cipher, self.session)
        return self._qbo

    def engine(self) -> ImportEngine:
        """Return an import engine on this store with the configured lease."""
        return ImportEngine(self.store, lease_seconds=self.settings.import_lease_seconds)

    async def account(self, name: str, locale: str = "en") -> Account:
        """Return the named account or fail with a message saying how to create it."""
        account = await self.store.find_account(name)
        if account is None:
            raise UserError(t("error.no_account", locale, name=name))
        return account


@asynccontextmanager
async def open_services(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Services]:
    """Open the store (creating its tables when asked) and an HTTP session; close both after."""
    store = open_store(settings.database_url)
    try:
        if migrate:
            await store.migrate()
        async with aiohttp.ClientSession() as session:
            yield Services(settings, store, session)
    finally:
        await store.close()
