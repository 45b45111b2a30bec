"""The Home tab and `/invoice2go status` as people read them: counts with the plural their
language uses, the auto-import switch told as it is, and times in each reader's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from importer.domain.model import Kind
from invoice2go.slack_driver import texts
from tests.slack.conftest import SlackWorld


async def home_of(world: SlackWorld, user: str) -> str:
    """Open the Home tab as a person and return what it says."""
    before = len(world.slack.called("views.publish"))
    await world.event({"type": "app_home_opened", "user": user, "tab": "home"})
    published = await world.calls("views.publish", before + 1)
    return texts(published[-1].args["view"]["blocks"])


async def test_one_client_brought_in_again_reads_in_the_singular_in_spanish(
    world: SlackWorld,
) -> None:
    await world.connect()
    await world.command("importar clientes", user="U5")
    await world.run_jobs()
    world.sim.company.add_customer("Zoe’s Zinnias")
    await world.command("importar clientes", user="U5")
    await world.run_jobs()

    _status, answer = await world.command("estado", user="U5")
    status = texts(answer["blocks"])
    home = await home_of(world, "U5")

    assert "terminada, 1 importado" in status
    assert "1 importados" not in status
    assert "Conceptos: todavía sin importar" in status
    assert "última importación: 1 importado; 29 omitidos" in home
    assert "*Conceptos*  ·  todavía sin importar" in home
    _status, english = await world.command("status", user="U1")
    assert "finished, 1 imported" in texts(english["blocks"])
    assert "last import: 1 imported; 29 skipped" in await home_of(world, "U1")


async def test_the_home_tab_tells_whether_new_records_come_in_by_themselves(
    world: SlackWorld,
) -> None:
    await world.connect()

    off = await home_of(world, "U1")
    off_es = await home_of(world, "U5")
    await world.command("autoimport on", user="U1")
    on = await home_of(world, "U1")
    on_es = await home_of(world, "U5")

    assert "Auto-import is off: import new QuickBooks customers and items with Import." in off
    assert "come in by themselves" not in off
    assert "llegan solos" not in off_es
    assert "Auto-import is on: new QuickBooks customers and items come in by themselves." in on
    assert "Importación automática activada" in on_es
    assert "desactivada" in off_es


def local(moment: datetime) -> str:
    """How a moment is written for Slack to show in each reader's time zone."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return f"<!date^{int(moment.timestamp())}^{{date_num}} {{time}}|{fallback} UTC>"


async def test_times_are_shown_in_each_readers_own_time_zone(world: SlackWorld) -> None:
    await world.connect()
    await world.command("import clients", user="U1")
    (job,) = await world.run_jobs()
    account = await world.account()
    (run,) = await world.services.runs.list_runs(account.id, Kind.CLIENTS, limit=1)
    assert run.finished_at is not None

    _status, answer = await world.command("status", user="U1")
    home = await home_of(world, "U5")

    assert f"Clients: last import {local(run.finished_at)}, finished" in texts(answer["blocks"])
    assert f"{local(job.created_at)} · Clientes · terminada" in home
