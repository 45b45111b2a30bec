"""The composition root: every store, client and service, built from Settings in one place.

Entry points (the command line, and next the web app, Slack listeners and the worker) open
`Services` and call the services on it; nothing below this module reads settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_app, web_client
from bot.config import SlackConfig, SlackStores
from bot.install import InstallPages
from bot.installations import InstallationStore
from bot.notifier import SlackNotifier
from bot.tokens import BotTokens
from importer.domain.connections import QboConnection
from importer.domain.errors import ConfigurationError
from importer.domain.model import Account, Kind
from importer.domain.plans import Plans
from importer.ports.clock import Clock, utcnow
from importer.ports.notify import JobNotifier
from importer.ports.runs import RunHistory
from importer.ports.source import PauseListener, RecordSource
from importer.ports.store import Store
from importer.services.accounts import AccountService
from importer.services.companies import POLL_SECONDS, CompanyGate
from importer.services.connections import ConnectionService
from importer.services.engine import ImportEngine
from importer.services.imports import ImportService
from importer.services.jobs import JobService, LogNotifier
from importer.services.lease import worker_identity
from importer.services.oauth_states import OAuthStates
from importer.services.records import RecordService
from importer.services.status import StatusService
from importer.services.webhooks import AutoImport, WebhookService
from importer.services.worker import Worker, WorkerPolicy
from importer.services.workspaces import WorkspaceService
from invoice2go.keys import token_cipher
from invoice2go.settings import Settings
from qbo.client import RetryPolicy
from qbo.connection import RefreshPolicy
from qbo.gateway import Quickbooks
from qbo.limits import RealmLimits
from qbo.oauth import OAuthEndpoints
from storage.factory import database_exists, open_store

STATE_KEY_PURPOSE = "invoice2go qbo oauth state v1"
# What a database that is not there yet holds: nothing.
EMPTY_DATABASE_URL = "sqlite:///:memory:"


@dataclass(frozen=True, slots=True)
class QboTuning:
    """How the QBO client retries and limits itself; tests make these fast. company_poll: how
    often an import waiting for another process's import of the company asks again."""

    limits: RealmLimits | None = None
    retry: RetryPolicy | None = None
    refresh: RefreshPolicy | None = None
    company_poll: float = POLL_SECONDS


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
    _notifier: JobNotifier | None = field(default=None, repr=False)
    _companies: CompanyGate | None = field(default=None, repr=False)

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
    def workspaces(self) -> WorkspaceService:
        return WorkspaceService(self.store, self.store, self.plans)

    @property
    def runs(self) -> RunHistory:
        return self.store

    @property
    def slack_config(self) -> SlackConfig | None:
        """How this deployment meets Slack, or None when it does not."""
        return slack_config(self.settings)

    def slack_stores(self) -> SlackStores:
        cipher = token_cipher(self.settings)
        return SlackStores(self.store, self.store, cipher.encrypt, cipher.decrypt, self.clock)

    def bot_tokens(self) -> BotTokens:
        """The bot token of each workspace (configured, or from its installation)."""
        config = self.slack_config
        if config is None or config.bot_token:
            return BotTokens(None if config is None else config.bot_token)
        stores = self.slack_stores()
        return BotTokens(
            None, InstallationStore(stores.installations, stores.encrypt, stores.decrypt)
        )

    def slack_client(self, token: str) -> AsyncWebClient:
        """A Web API client for one workspace's bot, retrying 429s as Slack asks."""
        config = self.slack_config
        assert config is not None
        client = web_client(config, self.session)
        client.token = token
        return client

    def bolt(self, pages: InstallPages | None = None) -> AsyncApp:
        """The Slack app (Bolt) of this deployment (pages: the install's browser pages)."""
        config = self.slack_config
        if config is None:
            raise ConfigurationError(
                "Slack is not configured: set SLACK_BOT_TOKEN or SLACK_CLIENT_ID"
            )
        return build_app(config, self, self.slack_stores(), self.session, pages)

    @property
    def notifier(self) -> JobNotifier:
        """Where job news goes: Slack when it is configured, and the log."""
        if self._notifier is None:
            log_notifier = LogNotifier()
            if self.slack_config is None:
                self._notifier = log_notifier
            else:
                self._notifier = SlackNotifier(
                    self.bot_tokens(), self.slack_client, self.store, self.store, log_notifier
                )
        return self._notifier

    @property
    def jobs(self) -> JobService:
        return JobService(self.store, self.store, self, clock=self.clock)

    def worker(self, policy: WorkerPolicy | None = None) -> Worker:
        """Return a worker carrying out this deployment's import jobs."""
        return Worker(
            self.store,
            self.store,
            self.store,
            self.imports,
            self.notifier,
            owner=worker_identity(),
            policy=policy or WorkerPolicy(lease_seconds=self.settings.import_lease_seconds),
            auto_import=AutoImport(self.store, self.jobs, clock=self.clock),
            clock=self.clock,
        )

    @property
    def webhooks(self) -> WebhookService:
        return WebhookService(self.store, self.settings.qbo_webhook_verifier_token)

    @property
    def connections(self) -> ConnectionService:
        if self._connections is None:
            self._connections = self._build_connections()
        return self._connections

    @property
    def companies(self) -> CompanyGate:
        """The QBO companies this process reads: one lease per company, shared by the imports
        that share this process's request limits (the QBO client built here)."""
        if self._companies is None:
            self._companies = CompanyGate(
                self.store,
                lease_seconds=self.settings.import_lease_seconds,
                poll_seconds=self.tuning.company_poll,
            )
        return self._companies

    @property
    def imports(self) -> ImportService:
        engine = ImportEngine(
            self.store,
            lease_seconds=self.settings.import_lease_seconds,
            companies=self.companies,
        )
        return ImportService(engine, self, self.store, self.plans, clock=self.clock)

    async def source_for(
        self,
        account_id: str,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        *,
        on_pause: PauseListener | None = None,
    ) -> RecordSource:
        """Return the account's QBO company as a record source (QBO parts built on first use)."""
        return await self.connections.source_for(account_id, record_ids, on_pause=on_pause)

    async def ready_to_import(self, account: Account) -> QboConnection:
        """Refuse what an import would refuse at once: R6's plan, no usable connection."""
        return await self.connections.ready_to_import(account)

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
        return ConnectionService(
            self.store,
            self.store,
            states,
            quickbooks,
            quickbooks,
            self.plans,
            public_url=settings.public_url,
        )


def slack_config(settings: Settings) -> SlackConfig | None:
    """How a deployment meets Slack, or None when it does not; raise ConfigurationError naming
    what is missing."""
    if not settings.uses_slack:
        return None
    settings.check_slack()
    assert settings.slack_signing_secret
    return SlackConfig(
        signing_secret=settings.slack_signing_secret,
        bot_token=settings.slack_bot_token,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        app_token=settings.slack_app_token,
        api_url=settings.slack_api_url,
        public_url=settings.public_url,
    )


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    migrate: bool = True,
    clock: Clock = utcnow,
    tuning: QboTuning | None = None,
    read_only: bool = False,
) -> AsyncIterator[Services]:
    """Open the store (creating its tables when asked) and an HTTP session; close both after.

    read_only: the caller only reads, so a database that does not exist yet is not created
    but read as the empty database it would be.
    """
    url = settings.database_url
    if read_only and not database_exists(url):
        url = EMPTY_DATABASE_URL
    store = open_store(url, clock=clock)
    try:
        if migrate:
            await store.migrate()
        async with aiohttp.ClientSession() as session:
            yield Services(settings, store, session, clock, tuning or QboTuning())
    finally:
        await store.close()
