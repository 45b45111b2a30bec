"""Installing the app (J1): Slack's OAuth in many workspaces, or one workspace with a bot token;
start-up refusing a missing signing secret; Web API rate limits waited out."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from qbo_simulator import Simulator

from bot.installations import team_key
from importer.domain.errors import ConfigurationError
from invoice2go.fake_slack import BOT_TOKEN, FakeSlack
from invoice2go.slack_driver import Installed
from invoice2go.web.app import create_app
from tests.slack.conftest import FAST, TEAM, MakeWorld, SlackWorld, settings_for

OAUTH = {"slack_bot_token": None, "slack_client_id": "111.222", "slack_client_secret": "shh"}


async def install(world: SlackWorld, installer: str) -> Installed:
    """Add the app to the workspace as a person would: /slack/install, Slack, back."""
    installed = await world.install(installer)
    slack_page = urlsplit(installed.consent)
    assert (slack_page.netloc, slack_page.path) == ("slack.com", "/oauth/v2/authorize")
    assert parse_qs(slack_page.query)["client_id"] == ["111.222"]
    assert "commands" in installed.scopes
    assert installed.cookie == installed.state  # the browser brings it back from Slack
    return installed


async def test_installing_keeps_the_encrypted_token_and_makes_the_installer_an_admin(
    make_world: MakeWorld,
) -> None:
    world = await make_world(**OAUTH)
    world.slack.add_user("U9", name="Ines Installer")  # a member, not a Slack admin

    finished = await install(world, "U9")

    assert finished.status == 200
    page = finished.page
    assert "invoice2go is now part of the workspace Demo Landscaping." in page
    assert "/invoice2go connect" in page
    assert [call.method for call in world.slack.calls[:2]] == ["oauth.v2.access", "auth.test"]
    saved = await world.services.store.find_slack_installation(team_key(None, TEAM))
    assert saved is not None
    assert saved["bot_token"] != BOT_TOKEN  # encrypted at rest
    workspace = await world.services.store.get_workspace(TEAM)
    assert workspace is not None
    assert workspace.installer_user_id == "U9"
    account = await world.services.store.get_account(workspace.account_id)
    assert account is not None
    assert account.name == world.slack.team_name

    # The installer may connect QuickBooks though Slack does not call them an admin.
    status, _ = await world.command("connect", user="U9")
    (opened,) = await world.calls("views.open")

    assert status == 200
    assert opened.token == BOT_TOKEN  # the workspace's token, read back from the store
    assert (await world.account()).id == account.id
    await world.command("help", user="U9")
    await world.command("status", user="U9")
    assert len(await world.calls("auth.test")) == 2  # the install's, then once for the token


async def test_a_failed_install_keeps_nothing(make_world: MakeWorld) -> None:
    world = await make_world(**OAUTH)
    started = await world.client.get("/slack/install", allow_redirects=False)
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]

    refused = await world.client.get(
        "/slack/oauth_redirect",
        params={"code": "bad", "state": state},
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    without_cookie = await world.client.get(
        "/slack/oauth_redirect",
        params={"code": "good-U9", "state": state},
        headers={"Accept-Language": "es-ES,es;q=0.9"},
    )

    assert refused.status >= 400
    assert "invoice2go was not installed" in await refused.text()
    assert without_cookie.status >= 400
    assert "invoice2go no se instaló" in await without_cookie.text()
    assert await world.services.store.find_slack_installation(team_key(None, TEAM)) is None
    assert await world.services.store.get_workspace(TEAM) is None


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"], "oauth": []}},
    ],
)
async def test_uninstalling_or_revoking_forgets_the_workspace_tokens(
    make_world: MakeWorld, event: dict[str, Any]
) -> None:
    world = await make_world(**OAUTH)
    world.slack.add_user("U9", name="Ines Installer")
    assert (await install(world, "U9")).status == 200

    status, _ = await world.event({**event, "event_ts": "1"})
    await world.until(
        lambda: world.services.store.find_slack_installation(team_key(None, TEAM)), None
    )

    assert status == 200
    assert await world.services.bot_tokens().for_team(TEAM) is None
    # What was imported stays: the account is still there for a new install.
    assert await world.services.store.get_workspace(TEAM) is not None
    # A command typed meanwhile is told how to get the app back, in each language we speak.
    status, _ = await world.command("ayuda", user="U9")
    (told,) = world.slack.hooks
    assert status == 200
    assert told["text"].splitlines() == [
        ":warning: invoice2go is no longer installed in this workspace: an admin can add it "
        "again at <https://invoice2go.example/slack/install>.",
        ":warning: invoice2go ya no está instalado en este espacio de trabajo: un administrador "
        "puede añadirlo de nuevo en <https://invoice2go.example/slack/install>.",
    ]


async def test_one_workspace_with_a_bot_token_needs_no_install(world: SlackWorld) -> None:
    install_page = await world.client.get("/slack/install", allow_redirects=False)

    status, answer = await world.command("status")

    assert install_page.status == 404
    assert status == 200
    assert "invoice2go status" in answer["text"]
    assert world.slack.called("users.info")[0].token == BOT_TOKEN
    workspace = await world.services.store.get_workspace(TEAM)
    assert workspace is not None  # made on first use (R7)


async def test_a_missing_signing_secret_stops_start_up_naming_it(
    simulator: Simulator, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    settings = settings_for(simulator, fake_slack, tmp_path, slack_signing_secret=None)
    runner = web.AppRunner(create_app(settings, migrate=True, tuning=FAST))  # as `serve` does

    with pytest.raises(ConfigurationError, match="SLACK_SIGNING_SECRET"):
        await runner.setup()
    assert not (tmp_path / "slack.sqlite3").exists()  # stopped before anything was opened


async def test_rate_limited_calls_wait_as_slack_asks_then_go_through(world: SlackWorld) -> None:
    world.slack.rate_limit("views.publish", retry_after=1)

    status, _ = await world.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    refused, published = await world.calls("views.publish", 2)

    assert status == 200
    assert refused.answered == 429
    assert published.answered == 200
    assert published.at - refused.at >= 1.0  # Retry-After: 1
    assert "U1" in world.slack.home


async def test_the_worker_waits_out_rate_limits_too(world: SlackWorld) -> None:
    await world.connect()
    await world.command("import clients")
    world.slack.rate_limit("chat.postMessage", times=2, retry_after=0)

    await world.run_jobs()

    answers = [call.answered for call in world.slack.called("chat.postMessage")]
    assert answers == [429, 429, 200, 200]  # the progress message (twice refused), the summary
    assert [m.text for m in world.slack.dm("U1")] == ["Import finished", "Import finished"]


async def test_a_bot_token_in_the_environment_brings_no_warning_at_start(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as a deployment sets it; Bolt reads it too
    world = await make_world()

    status, answer = await world.command("help")

    assert status == 200
    assert answer["text"] == "invoice2go commands"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
