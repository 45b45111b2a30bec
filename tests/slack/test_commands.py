"""/invoice2go as people type it: help, rights (R7), plans (R6), imports and their messages."""

from __future__ import annotations

import json

import pytest

from importer.domain.model import Kind
from invoice2go.slack_driver import texts
from tests.slack.conftest import MakeWorld, SlackWorld


@pytest.mark.parametrize("text", ["", "help", "ayuda", "frobnicate", "IMPORT"])
async def test_help_and_unknown_words_get_the_usage(world: SlackWorld, text: str) -> None:
    status, answer = await world.command(text)

    assert status == 200
    assert answer["response_type"] == "ephemeral"
    shown = texts(answer["blocks"])
    assert "/invoice2go import clients|items|all" in shown or "Import what?" in shown


async def test_forged_and_stale_signatures_are_refused(world: SlackWorld) -> None:
    forged, _ = await world.command("help", secret="not-the-secret")
    stale, _ = await world.command("help", age=301)

    assert (forged, stale) == (401, 401)
    assert world.slack.called("users.info") == []


@pytest.mark.parametrize("user", ["U3", "U4"])
async def test_guests_and_other_organisations_are_refused(world: SlackWorld, user: str) -> None:
    status, answer = await world.command("import clients", user=user)

    assert status == 200
    assert "Only members of this workspace can use invoice2go" in answer["text"]
    assert await world.services.jobs.recent() == []


@pytest.mark.parametrize("text", ["connect", "disconnect", "autoimport on"])
async def test_members_who_are_not_admins_cannot_change_the_connection(
    world: SlackWorld, text: str
) -> None:
    status, answer = await world.command(text, user="U2")

    assert status == 200
    assert "Only the workspace's admins" in texts(answer["blocks"])
    assert world.slack.called("views.open") == []


async def test_a_plan_without_quickbooks_gets_the_upgrade_text(make_world: MakeWorld) -> None:
    world = await make_world(default_plan="starter")

    status, answer = await world.command("import clients")
    home_status, _ = await world.event({"type": "app_home_opened", "user": "U1", "tab": "home"})

    assert (status, home_status) == (200, 200)
    assert "The starter plan does not include the QuickBooks integration" in texts(answer["blocks"])
    assert await world.services.jobs.recent() == []
    (home,) = await world.calls("views.publish")
    assert "does not include the QuickBooks integration" in json.dumps(home.args["view"])


async def test_import_from_the_command_shows_progress_then_a_summary(world: SlackWorld) -> None:
    await world.command("help")
    await world.connect()

    status, answer = await world.command("import all")
    second_status, second = await world.command("importar todo")
    jobs = await world.run_jobs()

    assert (status, second_status) == (200, 200)
    assert "Importing clients + items from QuickBooks" in texts(answer["blocks"])
    assert "already under way" in texts(second["blocks"])
    assert len(jobs) == 1
    dm = world.slack.dm("U1")
    assert len(dm) == 2  # the progress message, then the summary (a new message: Slack notifies)
    progress, summary = dm
    assert progress.edits >= 1
    account = await world.account()
    clients = await world.services.records.count(account, Kind.CLIENTS)
    items = await world.services.records.count(account, Kind.ITEMS)
    shown = texts(summary.blocks)
    assert "Import finished" in shown
    assert f"*Clients*: {clients} imported" in shown
    assert f"*Items*: {items} imported" in shown
