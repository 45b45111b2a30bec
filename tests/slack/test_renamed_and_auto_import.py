"""A QuickBooks record renamed after its import (R9) as Slack tells it, and the auto-import
digest: sent when something came in or went wrong, never for an import that only skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from qbo_simulator import WebhookEvent

from importer.services.webhooks import AutoImport
from invoice2go.slack_driver import buttons, texts
from tests.slack.conftest import SlackWorld

AMY = "Amy's Bird Sanctuary"


async def import_clients(world: SlackWorld, user: str) -> None:
    await world.command("import clients", user=user)
    await world.run_jobs()


@pytest.mark.parametrize(
    ("user", "summary_says", "listed_says"),
    [
        ("U1", "1 skipped: already imported under another name", f"already imported as {AMY}"),
        ("U5", "1 omitido: ya importado con otro nombre", f"ya importado como {AMY}"),
    ],
)
async def test_a_client_renamed_in_quickbooks_is_told_as_already_imported(
    world: SlackWorld, user: str, summary_says: str, listed_says: str
) -> None:
    await world.connect()
    await import_clients(world, user)
    world.sim.company.rename("Customer", "1", "Amy Bird Sanctuary (renamed)")

    await import_clients(world, user)
    summary = world.slack.dm(user)[-1]
    await world.click("show_skipped", buttons(summary.blocks)["show_skipped"]["value"], user=user)
    (opened,) = await world.calls("views.open")
    listed = texts(opened.args["view"]["blocks"])

    assert summary_says in texts(summary.blocks)
    line = next(line for line in listed.splitlines() if "(renamed)" in line)
    assert line == f"• *Amy Bird Sanctuary (renamed)* — {listed_says}"


async def auto_import(world: SlackWorld, *events: WebhookEvent) -> None:
    """QuickBooks announces events; the window's auto-import runs with its notifications."""
    await world.sim.send_webhook(str(world.client.make_url("/quickbooks/webhooks")), events)
    services = world.services
    await AutoImport(services.store, services.jobs, window=timedelta(0)).sweep()
    (job,) = await world.run_jobs()
    assert job.outcome is not None


async def test_the_auto_import_digest_comes_only_when_something_came_in(world: SlackWorld) -> None:
    await world.connect()
    await world.command("autoimport on", user="U1")
    await import_clients(world, "U1")
    told = len(world.slack.messages)
    world.sim.company.rename("Customer", "1", "Amy Bird Sanctuary (renamed)")

    await auto_import(world, WebhookEvent("Customer", "1", "Update"))
    await auto_import(world, WebhookEvent("Customer", "1", "Update"))
    quiet = world.slack.messages[told:]
    zoe = world.sim.company.add_customer("Zoe’s Zinnias")
    await auto_import(world, WebhookEvent("Customer", zoe["Id"]))

    (digest,) = world.slack.messages[told:]
    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()
    await auto_import(world, WebhookEvent("Customer", "1", "Update"))

    assert quiet == []
    assert digest.text == "Auto-import brought in what QuickBooks announced"
    assert "*Clients*: 1 imported" in texts(digest.blocks)
    failed = world.slack.messages[told + 1 :]
    assert failed, "a failed auto-import is told"
    assert "an admin must reconnect" in texts(failed[0].blocks)
