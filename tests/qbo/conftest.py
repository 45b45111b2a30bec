"""A QBO simulator on loopback, and service 'processes' sharing one SQLite file."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from qbo_simulator import Simulator, SimulatorConfig

from importer.domain.model import Account
from importer.ports.clock import Clock, utcnow
from importer.services.connections import ConnectionService
from invoice2go.bootstrap import QboTuning, Services
from invoice2go.keys import token_cipher
from invoice2go.settings import Settings
from qbo.client import QboClient, RetryPolicy
from qbo.connection import RefreshPolicy
from qbo.limits import RealmLimits
from qbo.source import QboSource
from qbo.tokens import TokenCipher
from storage.sqlite import SqliteStore

FAST_RETRY = RetryPolicy(attempts=5, base_delay=0.01, throttle_delay=0.01, timeout=1.0)
# For tests counting requests: a slow, shared machine must not turn a page into a retried one.
PATIENT_RETRY = RetryPolicy(attempts=5, base_delay=0.01, throttle_delay=0.01, timeout=60.0)
FAST_REFRESH = RefreshPolicy(base_delay=0.01, poll=0.005)


@dataclass
class Process:
    """What one web or worker process holds: its own store, session and services."""

    services: Services

    @property
    def store(self) -> SqliteStore:
        assert isinstance(self.services.store, SqliteStore)
        return self.services.store

    @property
    def session(self) -> aiohttp.ClientSession:
        return self.services.session

    @property
    def cipher(self) -> TokenCipher:
        return token_cipher(self.services.settings)

    @property
    def service(self) -> ConnectionService:
        return self.services.connections

    async def client_for(self, account_id: str) -> QboClient:
        """Return an API client for the account's company, as an import would use it."""
        source = await self.service.source_for(account_id)
        assert isinstance(source, QboSource)
        return source.client


@dataclass
class World:
    """Builds processes on one database file, pointed at one simulator."""

    sim: Simulator
    db_path: Path
    key: str
    processes: list[Process] = field(default_factory=list)

    def settings(self, key: str | None = None, token_url: str | None = None) -> Settings:
        return Settings(
            database_url=f"sqlite:///{self.db_path}",
            qbo_client_id=self.sim.client_id,
            qbo_client_secret=self.sim.client_secret,
            qbo_redirect_uri="https://invoice2go.example/quickbooks/callback",
            qbo_api_base=self.sim.api_base,
            qbo_auth_url=self.sim.auth_url,
            qbo_token_url=token_url or self.sim.token_url,
            qbo_revoke_url=self.sim.revoke_url,
            token_encryption_key=key or self.key,
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        )

    async def process(
        self,
        *,
        key: str | None = None,
        clock: Clock = utcnow,
        token_url: str | None = None,
        retry: RetryPolicy = FAST_RETRY,
    ) -> Process:
        """Start a new 'process': nothing shared with the others but the file and the simulator."""
        store = SqliteStore(self.db_path)
        await store.migrate()
        settings = self.settings(key, token_url)
        session = aiohttp.ClientSession()
        tuning = QboTuning(limits=RealmLimits(), retry=retry, refresh=FAST_REFRESH)
        process = Process(Services(settings, store, session, clock, tuning))
        self.processes.append(process)
        return process

    async def stop(self, process: Process) -> None:
        """Stop a process as a restart would."""
        self.processes.remove(process)
        await process.session.close()
        await process.store.close()


MakeWorld = Callable[..., Awaitable[World]]


@pytest.fixture
async def make_world(tmp_path: Path) -> AsyncIterator[MakeWorld]:
    """Start a simulator with a config and return a world around it."""
    worlds: list[World] = []
    async with contextlib.AsyncExitStack() as simulators:

        async def make(**config: Any) -> World:
            started = Simulator.start(SimulatorConfig(**config), host="127.0.0.1", port=0)
            sim = await simulators.enter_async_context(started)
            world = World(sim, tmp_path / "t.sqlite3", TokenCipher.generate_key())
            worlds.append(world)
            return world

        yield make
        for world in reversed(worlds):
            for process in list(world.processes):
                await world.stop(process)


async def connected(world: World, process: Process, name: str = "Acme") -> Account:
    """Create an account and connect it to the simulator's company with consented tokens."""
    account = await process.store.create_account(name, "premium")
    tokens = world.sim.issue_tokens()
    await process.service.connect_with_refresh_token(
        account, world.sim.realm_id, tokens["refresh_token"]
    )
    return account
