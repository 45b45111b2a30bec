"""The web process in the test's own event loop, against a QBO simulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet
from qbo_simulator import Simulator, SimulatorConfig

from importer.domain.model import Account
from invoice2go.bootstrap import QboTuning, Services
from invoice2go.settings import Settings
from invoice2go.web.app import SERVICES, create_app
from qbo.client import RetryPolicy
from qbo.connection import RefreshPolicy

FAST = QboTuning(
    retry=RetryPolicy(attempts=3, base_delay=0.01, throttle_delay=0.01, timeout=2.0),
    refresh=RefreshPolicy(base_delay=0.01, poll=0.005),
)
PUBLIC = "https://invoice2go.example"

AiohttpClient = Callable[..., Awaitable[TestClient[Any, Any]]]


def settings_for(sim: Simulator, folder: Path, **extra: Any) -> Settings:
    """Return settings for a deployment on a new embedded store, pointed at the simulator."""
    return Settings(
        database_url=f"sqlite:///{folder / 'web.sqlite3'}",
        qbo_client_id=sim.client_id,
        qbo_client_secret=sim.client_secret,
        qbo_redirect_uri=f"{PUBLIC}/quickbooks/callback",
        qbo_api_base=sim.api_base,
        qbo_auth_url=sim.auth_url,
        qbo_token_url=sim.token_url,
        qbo_revoke_url=sim.revoke_url,
        qbo_webhook_verifier_token=sim.webhook_verifier_token,
        token_encryption_key=Fernet.generate_key().decode(),
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        **extra,
    )


@dataclass
class Web:
    """A running web app: its HTTP client, its services, and the simulator behind it."""

    client: TestClient[Any, Any]
    sim: Simulator

    @property
    def services(self) -> Services:
        app: web.Application = self.client.app
        return app[SERVICES]

    async def account(self, name: str = "Acme", plan: str = "premium") -> Account:
        return await self.services.accounts.create(name, plan)

    async def connect(self, account: Account) -> None:
        token = self.sim.issue_tokens()["refresh_token"]
        await self.services.connections.connect_with_refresh_token(
            account, self.sim.realm_id, token
        )


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim:
        yield sim


@pytest.fixture
async def web_app(simulator: Simulator, tmp_path: Path, aiohttp_client: AiohttpClient) -> Web:
    app = create_app(settings_for(simulator, tmp_path), migrate=True, tuning=FAST)
    return Web(await aiohttp_client(app), simulator)
