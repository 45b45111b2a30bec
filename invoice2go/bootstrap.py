"""The composition root: every store, client and service, built from Settings in one place.

Entry points (the command line, and next the web app, Slack listeners and the worker) open
`Services` and call the services on it; nothing below this module reads settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp

from importer.domain.plans import Plans
from importer.ports.clock import Clock, utcnow
from importer.ports.source import RecordSource
from importer.ports.store import Store
from importer.services.accounts import AccountService
from importer.services.connections import ConnectionService
from importer.services.engine import ImportEngine
from importer.services.imports import ImportService
from importer.services.oauth_states import OAuthStates
from importer.services.records import RecordService
from importer.services.status import StatusService
from invoice2go.keys import token_cipher
from invoice2go.settings import Settings
from qbo.client import RetryPolicy
from qbo.connection import RefreshPolicy
from qbo.gateway import Quickbooks
from qbo.limits import RealmLimits
from qbo.oauth import OAuthEndpoints
from storage.factory import open_store

STATE_KEY_PURPOSE = "invoice2go qbo oauth state v1"


@dataclass(frozen=True, slots=True)
class QboTuning:
    """How the QBO client retries and limits itself; tests make these fast."""

    limits: RealmLimits | None = None
    retry: RetryPolicy | None = None
    refresh: RefreshPolicy | None = None


@dataclass
class Services:
    """What entry points work with. QBO parts are built on first use: commands that never
    talk to QuickBooks need no QBO configuration."""

    settings: Settings = field(repr=False)
    store: Store
    session: aiohttp.ClientSession = field(repr=False)
    clock: Clock = field(default=utcnow, repr=False)
    tuning: QboTuning = field(default_factory=QboTuning, repr=False)
    _connections: ConnectionService | None = field(default=None, repr=False)

    @property
    def plans(self) -> Plans:
        return self.settings.plans

    @property
    def accounts(self) -> AccountService:
        return AccountService(self.store, self.plans)

    @property
    def records(self) -> RecordService:
        return RecordService(self.store)

    @property
    def status(self) -> StatusService:
        return StatusService(self.store, self.store, self.plans)

    @property
    def connections(self) -> ConnectionService:
        if self._connections is None:
            self._connections = self._build_connections()
        return self._connections

    @property
    def imports(self) -> ImportService:
        engine = ImportEngine(self.store, lease_seconds=self.settings.import_lease_seconds)
        return ImportService(engine, self, self.store, self.plans)

    async def source_for(self, account_id: str) -> RecordSource:
        """Return the account's QBO company as a record source (QBO parts built on first use)."""
        return await self.connections.source_for(account_id)

    def _build_connections(self) -> ConnectionService:
        settings = self.settings
        settings.require("qbo_client_id", "qbo_client_secret")
        assert settings.qbo_client_id
        assert settings.qbo_client_secret
        cipher = token_cipher(settings)
        endpoints = OAuthEndpoints(
            auth_url=settings.qbo_auth_endpoint,
            token_url=settings.qbo_token_endpoint,
            revoke_url=settings.qbo_revoke_endpoint,
            client_id=settings.qbo_client_id,
            client_secret=settings.qbo_client_secret,
            redirect_uri=settings.qbo_redirect_uri or "",
        )
        quickbooks = Quickbooks(
            self.session,
            api_base=settings.qbo_api_base_url,
            environment=settings.qbo_environment,
            endpoints=endpoints,
            cipher=cipher,
            connections=self.store,
            limits=self.tuning.limits,
            retry=self.tuning.retry,
            refresh=self.tuning.refresh,
            clock=self.clock,
        )
        states = OAuthStates(self.store, cipher.derive_key(STATE_KEY_PURPOSE), self.clock)
        return ConnectionService(self.store, self.store, states, quickbooks, quickbooks, self.plans)


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    migrate: bool = True,
    clock: Clock = utcnow,
    tuning: QboTuning | None = None,
) -> AsyncIterator[Services]:
    """Open the store (creating its tables when asked) and an HTTP session; close both after."""
    store = open_store(settings.database_url, clock=clock)
    try:
        if migrate:
            await store.migrate()
        async with aiohttp.ClientSession() as session:
            yield Services(settings, store, session, clock, tuning or QboTuning())
    finally:
        await store.close()
