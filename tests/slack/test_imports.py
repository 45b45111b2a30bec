"""Importing from Slack (J3, J4, J5, J6): the Home tab's buttons, the progress message and the
summary against what the store holds, the skipped names, deleting then importing again, one import
at a time (R8), and a refused QuickBooks sign-in asking an admin to reconnect once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import i18n
from importer.domain.connections import ConnectionStatus
from importer.domain.jobs import Job, JobStatus
from importer.domain.model import Kind, Skipped, SkipReason
from invoice2go.slack_driver import buttons, texts
from tests.slack.conftest import SlackWorld


def home_view(world: SlackWorld, user: str = "U1") -> dict[str, Any]:
    return {"id": f"VH{user}", "type": "home", "hash": "h", "blocks": []}


async def skipped_of(world: SlackWorld, job: Job) -> dict[Kind, list[Skipped]]:
    """Every skipped entry of a job's runs by kind, as the store holds them."""
    entries: dict[Kind, list[Skipped]] = {}
    for kind in job.kinds:
        run_id = (job.outcome or {})[kind.value]["run_id"]
        entries[kind] = await world.services.runs.skipped_entries(run_id, 100_000, 0)
    return entries


async def test_import_from_the_home_tab_with_progress_and_a_summary_as_stored(
    world: SlackWorld,
) -> None:
    await world.connect()
    status, _ = await world.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    (published,) = await world.calls("views.publish")
    home = published.args["view"]
    assert "never imported" in texts(home["blocks"])
    assert set(buttons(home["blocks"])) >= {"import_clients", "import_items"}

    status, answer = await world.click("import_clients", "clients", view=home_view(world))
    (told, *_) = await world.calls("chat.postMessage")
    await world.calls("views.publish", 2)
    (job,) = await world.run_jobs()

    assert (status, answer) == (200, {})
    assert "Importing clients from QuickBooks" in told.args["text"]
    assert job.kinds == (Kind.CLIENTS,)
    assert job.status is JobStatus.SUCCEEDED
    account = await world.account()
    assert job.outcome is not None
    run = await world.services.runs.get_run(job.outcome["clients"]["run_id"])
    assert run is not None
    stored = await world.services.records.count(account, Kind.CLIENTS)
    assert run.counts.imported == stored > 0
    _said, progress, summary = world.slack.dm("U1")
    # The progress message counted up to what QuickBooks has, then became the summary.
    counted = [
        (int(done), int(total))
        for _text, blocks in progress.history
        for done, total in re.findall(r"Importing clients… (\d+) of (\d+)", texts(blocks))
    ]
    assert counted
    assert all(total == run.total for _done, total in counted)
    assert [done for done, _total in counted] == sorted(done for done, _total in counted)
    assert progress.text == summary.text == "Import finished"
    line = f"*Clients*: {stored} imported"
    for reason, count in run.counts.skipped.items():
        if count:
            assert str(count) in texts(summary.blocks), reason
    assert line in texts(summary.blocks)
    assert line in texts(progress.blocks)
    assert "Items" not in texts(summary.blocks)


async def test_the_skipped_names_are_listed_a_page_at_a_time(world: SlackWorld) -> None:
    await world.connect()
    await world.command("import all")
    await world.run_jobs()
    await world.command("import all")  # everything is there now: all of it is skipped
    (_first, again) = sorted(await world.services.jobs.recent(), key=lambda job: job.created_at)
    await world.run_jobs()
    found = await world.services.jobs.get(again.id)
    assert found is not None
    again = found
    summary = world.slack.dm("U1")[-1]
    by_kind = await skipped_of(world, again)
    for kind, entries in by_kind.items():
        line = next(
            line for line in texts(summary.blocks).splitlines() if kind.value in line.lower()
        )
        for reason in SkipReason:
            count = sum(1 for entry in entries if entry.reason is reason)
            if count:
                assert i18n.texts.skipped(reason, count, "en") in line
    stored = [entry for entries in by_kind.values() for entry in entries]
    assert len(stored) > 25  # more than a page
    show = buttons(summary.blocks)["show_skipped"]

    await world.click("show_skipped", show["value"])
    (opened,) = await world.calls("views.open")
    listed = texts(opened.args["view"]["blocks"])
    view = {**world.slack.views[next(iter(world.slack.views))], "type": "modal"}
    following = buttons(opened.args["view"]["blocks"])["skipped_page_next"]
    await world.click("skipped_page_next", following["value"], view=view)
    (turned,) = await world.calls("views.update")
    listed += texts(turned.args["view"]["blocks"])

    assert "Page 2" in texts(turned.args["view"]["blocks"])
    assert "skipped_page_prev" in buttons(turned.args["view"]["blocks"])
    for entry in stored:
        assert entry.name.replace("&", "&amp;") in listed


async def test_deleted_stays_deleted_when_imported_again(world: SlackWorld) -> None:
    await world.connect()
    await world.command("import clients")
    await world.run_jobs()
    account = await world.account()
    before = await world.services.records.count(account, Kind.CLIENTS)

    status, listed = await world.command("clients amy")
    assert status == 200
    delete = buttons(listed["blocks"])["delete_record"]
    assert "confirm" in delete  # Slack asks before the click reaches us
    await world.click("delete_record", delete["value"])
    await world.until(lambda: world.services.records.count(account, Kind.CLIENTS), before - 1)
    (answered,) = world.slack.hooks
    assert "Deleted Amy's Bird Sanctuary" in answered["text"]

    await world.command("import clients")
    (job,) = await world.run_jobs()

    assert await world.services.records.count(account, Kind.CLIENTS) == before - 1
    assert await world.services.records.find(account, Kind.CLIENTS, "Amy's Bird Sanctuary") is None
    skipped = (await skipped_of(world, job))[Kind.CLIENTS]
    assert [e.name for e in skipped if e.reason is SkipReason.DELETED] == ["Amy's Bird Sanctuary"]
    assert "1 skipped: deleted here before" in texts(world.slack.dm("U1")[-1].blocks)


async def test_a_deleted_name_is_said_back_as_written_not_as_slack_markup(
    world: SlackWorld,
) -> None:
    account = await world.account()
    for name in ("Tom <Jerry> & Co", "<!here> Eve"):
        await world.services.records.add(account, Kind.CLIENTS, name, {})

    for search in ("tom", "eve"):
        _status, listed = await world.command(f"clients {search}")
        await world.click("delete_record", buttons(listed["blocks"])["delete_record"]["value"])
    await world.until(lambda: world.services.records.count(account, Kind.CLIENTS), 0)
    await world.wait(lambda: len(world.slack.hooks) == 2, "two answers")

    said = sorted((hook["text"], texts(hook["blocks"])) for hook in world.slack.hooks)
    assert said[0][0].startswith("Deleted &lt;!here&gt; Eve.")
    assert said[1][0].startswith("Deleted Tom &lt;Jerry&gt; &amp; Co.")
    for text, blocks in said:
        assert text in blocks
        assert "<" not in text + blocks


async def test_asking_again_while_an_import_runs_shows_the_running_one(world: SlackWorld) -> None:
    await world.connect()
    await world.command("import clients")
    worker = world.services.worker()
    running = await world.services.store.claim_job(worker.owner, 60)
    assert running is not None

    status, answer = await world.command("importar clientes")
    await world.click("import_clients", "clients", view=home_view(world))
    (told,) = await world.calls("chat.postMessage")

    assert status == 200
    assert "already under way" in texts(answer["blocks"])
    assert "already under way" in told.args["text"]
    await worker.carry_out(running)
    assert await world.run_jobs() == []  # nothing more was queued
    assert len(await world.services.jobs.recent()) == 1


async def test_a_refused_sign_in_asks_an_admin_to_reconnect_once(world: SlackWorld) -> None:
    await world.connect()
    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()

    await world.command("import clients", user="U2")  # a member asks; an admin must act
    await world.command("import items", user="U1")  # queued before anyone knew
    jobs = await world.run_jobs()
    status, again = await world.command("import items", user="U2")
    await world.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    (home,) = await world.calls("views.publish")

    assert [job.status for job in jobs] == [JobStatus.FAILED, JobStatus.FAILED]
    assert world.sim.oauth_requests.count("refresh_token") == 2  # connecting, then the refusal
    connection = await world.services.store.get_connection((await world.account()).id)
    assert connection is not None
    assert connection.status is ConnectionStatus.NEEDS_RECONNECT
    assert connection.reconnect_told  # in the store: another worker process tells nobody again
    assert status == 200
    assert "must be connected again by an admin" in texts(again["blocks"])
    assert await world.run_jobs() == []  # nothing queued, nothing loops
    reconnects = [m for m in world.slack.messages if "reconnect" in buttons(m.blocks)]
    assert [m.channel for m in reconnects] == ["DU1"]  # one message, to an admin
    (member_summary,) = [m for m in world.slack.dm("U2") if m.text == "Import failed"][-1:]
    assert "an admin must reconnect" in texts(member_summary.blocks)
    assert "reconnect" not in buttons(member_summary.blocks)
    assert "reconnect" in buttons(home.args["view"]["blocks"])


async def test_an_admin_who_asked_finds_the_reconnect_button_in_the_summary(
    world: SlackWorld,
) -> None:
    await world.connect()
    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()

    await world.command("import all", user="U1")
    await world.run_jobs()

    reconnects = [m for m in world.slack.messages if "reconnect" in buttons(m.blocks)]
    (summary,) = reconnects  # the summary itself, not one message more
    assert summary.text == "Import failed"
    assert world.slack.dm("U1")[-1] is summary


async def test_reconnecting_from_the_message_brings_imports_back(world: SlackWorld) -> None:
    await world.connect()
    world.sim.inject("invalid_grant")
    world.sim.expire_access_tokens()
    await world.command("import clients", user="U2")
    await world.run_jobs()
    (message,) = [m for m in world.slack.messages if "reconnect" in buttons(m.blocks)]

    await world.click("reconnect", buttons(message.blocks)["reconnect"]["value"])
    (update,) = await world.calls("views.update")
    view_id = str(update.args["view_id"])
    assert "no longer accepts the saved sign-in" in texts(world.slack.views[view_id]["blocks"])
    status, _page = await world.sign_in(world.sign_in_link(view_id))

    assert status == 200
    account = await world.account()
    connection = await world.services.connections.connection(account.id)
    assert connection.status is ConnectionStatus.CONNECTED
    assert not connection.reconnect_told  # a later refusal of the new sign-in is told anew
    assert "Step 2 of 4" in texts(world.slack.views[view_id]["blocks"])
    status, answer = await world.command("import clients", user="U2")
    (job,) = await world.run_jobs()
    assert "Importing clients from QuickBooks" in texts(answer["blocks"])
    assert job.status is JobStatus.SUCCEEDED


def test_the_progress_message_says_when_quickbooks_lets_the_import_go_on() -> None:
    from datetime import UTC, datetime

    from bot.render.messages import progress_blocks
    from importer.domain.jobs import Job, JobOrigin

    job = Job("j", "a", (Kind.CLIENTS,), JobOrigin.SLACK, JobStatus.RUNNING, datetime.now(UTC))
    progress = {
        "clients": {"seen": 1000, "total": 5000, "paused_until": "2026-12-05T11:42:10+00:00"}
    }

    shown = texts(progress_blocks(job, progress, "en"))

    assert "Importing clients… 1,000 of 5,000" in shown
    at = int(datetime(2026, 12, 5, 11, 42, 10, tzinfo=UTC).timestamp())
    # Each reader sees the time in their own time zone; UTC where a client cannot show it.
    going_on = f"going on at <!date^{at}^{{time_secs}}|11:42:10 UTC>"
    assert f"QuickBooks is limiting requests; {going_on}" in shown


async def test_the_progress_message_says_the_import_waits_for_another_of_the_same_company(
    world: SlackWorld,
) -> None:
    await world.connect()
    # A worker of another process (another deployment's, or the command line) reads the company.
    other = "other-host:4242:worker"
    realm = world.sim.realm_id
    assert await world.services.store.take_company_lease(realm, other, timedelta(minutes=1)) is None
    waiting = "Waiting for another import from this QuickBooks company to finish."
    await world.command("import clients")
    running = asyncio.ensure_future(world.run_jobs())

    async with asyncio.timeout(30):
        while not any(waiting in texts(m.blocks) for m in world.slack.dm("U1")):  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # the worker goes on meanwhile
    read_meanwhile = [r for r in world.sim.requests if r.statement and "Customer" in r.statement]
    await world.services.store.release_company_lease(realm, other)
    (job,) = await running

    assert job.status is JobStatus.SUCCEEDED
    assert read_meanwhile == []
    progress = world.slack.dm("U1")[-2]
    assert waiting not in texts(progress.blocks)  # the summary replaced it
    assert (job.outcome or {})["clients"]["imported"] == 29


async def test_asking_for_both_while_one_kind_is_imported_queues_the_other(
    world: SlackWorld,
) -> None:
    await world.connect()
    await world.command("import clients", user="U2")
    worker = world.services.worker()
    running = await world.services.store.claim_job(worker.owner, 60)
    assert running is not None

    status, answer = await world.command("import all")
    await worker.carry_out(running)
    (items_job,) = await world.run_jobs()

    assert status == 200
    assert texts(answer["blocks"]) == (
        "An import of clients is already under way; its progress and summary go to whoever "
        "asked for it. Importing items from QuickBooks. Progress and the summary come in a "
        "direct message from invoice2go."
    )
    assert items_job.kinds == (Kind.ITEMS,)
    assert items_job.requested_by == "U1"
    mine, theirs = world.slack.dm("U1")[-1], world.slack.dm("U2")[-1]  # the summaries
    assert mine.text == theirs.text == "Import finished"
    assert "*Items*" in texts(mine.blocks)
    assert "*Clients*" not in texts(mine.blocks)
    assert "*Clients*" in texts(theirs.blocks)
