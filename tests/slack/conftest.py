"""The Slack app as Slack meets it: signed requests into /slack/events (sent by
invoice2go.slack_driver, as the demo sends them) to the app on aiohttp's test server, a fake Slack
Web API that records every call, and the QBO simulator behind."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet
from qbo_simulator import Simulator, SimulatorConfig
from slack_sdk.models.blocks import Block, Option
from slack_sdk.models.views import View

from importer.domain.jobs import Job
from importer.domain.model import Account
from invoice2go.bootstrap import QboTuning, Services
from invoice2go.fake_slack import BOT_TOKEN, FakeSlack
from invoice2go.settings import Settings
from invoice2go.slack_driver import SlackDriver
from invoice2go.web.app import SERVICES, create_app
from qbo.client import RetryPolicy
from qbo.connection import RefreshPolicy

SECRET = "slack-signing-secret-for-tests"
TEAM = "T0DEMO"
PUBLIC = "https://invoice2go.example"
FAST = QboTuning(
    retry=RetryPolicy(attempts=2, base_delay=0.01, throttle_delay=0.01, timeout=2.0),
    refresh=RefreshPolicy(base_delay=0.01, poll=0.005),
    company_poll=0.01,
)

AiohttpClient = Callable[..., Awaitable[TestClient[Any, Any]]]


def settings_for(sim: Simulator, slack: FakeSlack, folder: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{folder / 'slack.sqlite3'}",
        "qbo_client_id": sim.client_id,
        "qbo_client_secret": sim.client_secret,
        "qbo_redirect_uri": f"{PUBLIC}/quickbooks/callback",
        "qbo_api_base": sim.api_base,
        "qbo_auth_url": sim.auth_url,
        "qbo_token_url": sim.token_url,
        "qbo_revoke_url": sim.revoke_url,
        "qbo_webhook_verifier_token": sim.webhook_verifier_token,
        "token_encryption_key": Fernet.generate_key().decode(),
        "slack_signing_secret": SECRET,
        "slack_bot_token": BOT_TOKEN,
        "slack_api_url": slack.api_url,
        **extra,
    }
    return Settings(**values, _env_file=None)  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped


MESSAGE_BLOCKS = 50
MESSAGE_TEXT = 4000
OPTIONS = 100


def check_blocks(blocks: Any, limit: int = MESSAGE_BLOCKS) -> None:
    """Fail unless blocks are Block Kit that Slack takes (slack_sdk's models check each one)."""
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks or []
    assert len(blocks) <= limit, f"{len(blocks)} blocks, Slack takes {limit}"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.to_dict()  # raises SlackObjectFormationError past a limit


def check_view(view: Any) -> None:
    """Fail unless a modal or Home tab view is within Block Kit's limits."""
    view = json.loads(view) if isinstance(view, str) else dict(view)
    view = {k: v for k, v in view.items() if k not in ("id", "hash", "state")}
    View(**view).to_dict()


def check_message(args: dict[str, Any]) -> None:
    """Fail unless a message (Web API call, response_url post or acknowledgement) fits."""
    assert len(str(args.get("text") or "")) <= MESSAGE_TEXT
    check_blocks(args.get("blocks"))


def check_answer(answer: Any) -> None:
    """Fail unless what the app answered a request with is within Slack's limits."""
    if not isinstance(answer, dict):
        return
    if "view" in answer:
        check_view(answer["view"])
    if "options" in answer:
        assert len(answer["options"]) <= OPTIONS
        for option in answer["options"]:
            Option(value=option["value"], text=option["text"]).to_dict("block")
    if "blocks" in answer or "text" in answer:
        check_message(answer)


def check_calls(slack: FakeSlack) -> None:
    """Fail unless every view and message the app sent Slack is within Block Kit's limits."""
    for call in slack.calls:
        if call.method in ("views.open", "views.update", "views.push", "views.publish"):
            check_view(call.args["view"])
        elif call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            check_message(call.args)
    for hook in slack.hooks:
        check_message(hook)


@dataclass(kw_only=True)
class SlackWorld(SlackDriver):
    """The web app, the fake Slack behind it, the QBO simulator, and ways to act as people."""

    client: TestClient[Any, Any]
    sim: Simulator

    @property
    def services(self) -> Services:
        app: web.Application = self.client.app
        return app[SERVICES]

    async def account(self) -> Account:
        """The workspace's account (made by the first request, or here)."""
        return (await self.services.workspaces.account_for(TEAM, name=self.slack.team_name))[1]

    async def connect(self, account: Account | None = None) -> None:
        """Connect the workspace's account to the simulator's company (as an admin would)."""
        account = account or await self.account()
        token = self.sim.issue_tokens()["refresh_token"]
        await self.services.connections.connect_with_refresh_token(
            account, self.sim.realm_id, token
        )

    async def run_jobs(self) -> list[Job]:
        """Carry out every queued job, as a worker would, with its Slack notifications."""
        worker = self.services.worker()
        done: list[Job] = []
        while (claimed := await self.services.store.claim_job(worker.owner, 60)) is not None:
            finished = await worker.carry_out(claimed)
            assert finished is not None
            done.append(finished)
        return done


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    async with Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim:
        yield sim


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack.start() as slack:
        slack.add_user("U1", admin=True, name="Ada Admin")
        slack.add_user("U2", name="Mo Member")
        slack.add_user("U3", guest=True, name="Gus Guest")
        slack.add_user("U4", team_id="T0OTHER", name="Oona Other")
        slack.add_user("U5", locale="es-ES", admin=True, name="Lucía López")
        yield slack
        check_calls(slack)  # every view and message of every scenario fits Block Kit


MakeWorld = Callable[..., Awaitable[SlackWorld]]


@pytest.fixture
def make_world(
    simulator: Simulator, fake_slack: FakeSlack, tmp_path: Path, aiohttp_client: AiohttpClient
) -> MakeWorld:
    """Build a deployment with some settings changed."""

    async def make(**settings: Any) -> SlackWorld:
        config = settings_for(simulator, fake_slack, tmp_path, **settings)
        app = create_app(config, migrate=True, tuning=FAST)
        client = await aiohttp_client(app)
        return SlackWorld(
            client=client,
            sim=simulator,
            session=client.session,
            base_url=str(client.server.make_url("/")),
            public_url=PUBLIC,
            slack=fake_slack,
            secret=SECRET,
            observe=check_answer,
        )

    return make


@pytest.fixture
async def world(make_world: MakeWorld) -> SlackWorld:
    return await make_world()
