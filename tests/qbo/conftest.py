"""A QBO simulator on loopback, and service 'processes' sharing one SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
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
FAST_REFRESH = RefreshPolicy(base_delay=0.01, store_delay=0.005, poll=0.005)


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

    def settings(
        self, key: str | None = None, token_url: str | None = None, revoke_url: str | None = None
    ) -> Settings:
        return Settings(
            database_url=f"sqlite:///{self.db_path}",
            qbo_client_id=self.sim.client_id,
            qbo_client_secret=self.sim.client_secret,
            qbo_redirect_uri="https://invoice2go.example/quickbooks/callback",
            qbo_api_base=self.sim.api_base,
            qbo_auth_url=self.sim.auth_url,
            qbo_token_url=token_url or self.sim.token_url,
            qbo_revoke_url=revoke_url or self.sim.revoke_url,
            token_encryption_key=key or self.key,
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        )

    async def process(
        self,
        *,
        key: str | None = None,
        clock: Clock = utcnow,
        token_url: str | None = None,
        revoke_url: str | None = None,
        store: SqliteStore | None = None,
        refresh: RefreshPolicy = FAST_REFRESH,
        retry: RetryPolicy = FAST_RETRY,
    ) -> Process:
        """Start a new 'process': nothing shared with the others but the file and the simulator."""
        store = store or SqliteStore(self.db_path)
        await store.migrate()
        settings = self.settings(key, token_url, revoke_url)
        session = aiohttp.ClientSession()
        tuning = QboTuning(limits=RealmLimits(), retry=retry, refresh=refresh, company_poll=0.01)
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


class MovableClock:
    """The real clock, plus however far a test has moved it forward."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    def advance(self, delta: timedelta) -> None:
        self.ahead += delta


@dataclass
class TokenGate:
    """Intuit's token endpoint behind a gate the test works: 503s first, an answer held back, or
    no answer at all.

    A held answer has already rotated the refresh token at Intuit when `answered` is set; the
    client gets it only once `release` is set.
    """

    target: str
    session: aiohttp.ClientSession
    url: str = ""
    failures: int = 0
    hold: bool = False
    hang: bool = False
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    requests: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests += 1
        if self.hang:
            await self.release.wait()  # Intuit never answers (until the test ends)
            return web.Response(status=504)
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=503, text="<html>Service Unavailable</html>")
        headers = {k: v for k, v in request.headers.items() if k in ("Authorization", "Accept")}
        headers["Content-Type"] = request.headers["Content-Type"]
        async with self.session.post(self.target, data=body, headers=headers) as answer:
            status, payload = answer.status, await answer.read()
            content_type = answer.content_type
        if self.hold:
            self.hold = False
            self.answered.set()
            await self.release.wait()
        return web.Response(status=status, body=payload, content_type=content_type)


MakeGate = Callable[[World], Awaitable[TokenGate]]


@pytest.fixture
async def make_gate() -> AsyncIterator[MakeGate]:
    """Start token gates in front of a world's simulated Intuit."""
    gates: list[TokenGate] = []
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())

        async def make(world: World) -> TokenGate:
            gate = TokenGate(world.sim.token_url, session)
            app = web.Application()
            app.router.add_post("/oauth2/v1/tokens/bearer", gate.handle)
            runner = web.AppRunner(app)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            gate.url = f"http://{host}:{port}/oauth2/v1/tokens/bearer"
            gates.append(gate)
            return gate

        yield make
        for gate in gates:
            gate.release.set()  # never leave a held answer behind
