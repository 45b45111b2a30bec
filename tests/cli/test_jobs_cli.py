"""The service from the command line: `import --detach` queues a job, `invoice2go worker` carries
it out, `jobs list` shows where each job stands, and `connect` without a token prints the
browser sign-in link; in English and in Spanish."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from typing import Any

from qbo_simulator import Simulator

from tests.cli.conftest import Cli, connected_account
from tests.processes.conftest import eventually

JOB_ID = re.compile(r"[0-9a-f]{32}")
SPANISH = {"LANG": "es_ES.UTF-8"}


async def listed(cli: Cli) -> list[dict[str, Any]]:
    result = await cli("jobs", "list", "--json")
    assert result.code == 0, result.err
    jobs: list[dict[str, Any]] = result.json()
    return jobs


async def test_a_detached_import_is_queued_once_and_carried_out_by_a_worker(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")

    queued = await cli("import", "--account", "Acme", "clients", "--detach")
    again = await cli("import", "--account", "Acme", "clients", "--detach")
    before = await listed(cli)
    waiting = await cli("jobs", "list")
    worker = await cli.start("worker")
    try:

        async def finished() -> list[dict[str, Any]] | None:
            jobs = await listed(cli)
            return jobs if jobs[0]["status"] == "succeeded" else None

        after = await eventually(finished, 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        stopped = await asyncio.wait_for(worker.wait(), 30)
    done = await cli("jobs", "list")

    assert queued.code == 0, queued.err
    job_id = queued.out.strip()
    assert JOB_ID.fullmatch(job_id)
    assert again.code == 3  # R8: the queued job answers for clients, so nothing new is queued
    assert job_id in again.out
    assert again.out.rstrip().endswith("Nothing new was queued.")
    assert [(j["id"], j["status"], j["account"], j["kinds"]) for j in before] == [
        (job_id, "queued", "Acme", ["clients"])
    ]
    assert waiting.out.split("\t")[:4] == [job_id, "Acme", "clients", "queued"]
    assert stopped == 0  # SIGTERM: the worker stops at once, with nothing in hand
    assert len(after) == 1
    assert after[0]["outcome"]["clients"]["imported"] == 29
    assert after[0]["error"] is None
    assert done.out.split("\t")[:4] == [job_id, "Acme", "clients", "succeeded"]
    assert done.out.rstrip("\n").split("\t")[-1] == "command line"


async def test_jobs_are_listed_in_spanish(cli: Cli, simulator: Simulator) -> None:
    cli.env.update(SPANISH)
    await connected_account(cli, simulator, "Acme")
    empty = await cli("jobs", "list")
    queued = await cli("import", "--account", "Acme", "todo", "--detach")

    shown = await cli("jobs", "list")

    assert empty.out == "Aún no hay importaciones.\n"
    assert queued.code == 0, queued.err
    row = shown.out.rstrip("\n").split("\t")
    assert row[1:4] == ["Acme", "clientes+conceptos", "en cola"]
    assert row[-1] == "línea de comandos"


async def test_connect_without_a_token_prints_the_sign_in_link(
    cli: Cli, simulator: Simulator
) -> None:
    cli.env["QBO_REDIRECT_URI"] = "https://invoice2go.example/quickbooks/callback"
    await cli("accounts", "create", "Acme")

    english = await cli("connect", "--account", "Acme")
    cli.env.update(SPANISH)
    spanish = await cli("connect", "--account", "Acme")

    assert english.code == 0, english.err
    said, link = english.out.splitlines()
    assert said == "Open this link in a browser to connect Acme to QuickBooks (valid 10 minutes):"
    assert "/quickbooks/connect?" in link
    assert spanish.code == 0, spanish.err
    assert spanish.out.splitlines()[0] == (
        "Abre este enlace en un navegador para conectar Acme a QuickBooks (válido 10 minutos):"
    )
    assert spanish.out.splitlines()[1] != link  # each link is its own, used once
    assert simulator.oauth_requests == []  # nothing is asked of Intuit until a person signs in


async def test_a_detached_import_queues_the_kinds_no_import_holds(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    clients = await cli("import", "--account", "Acme", "clients", "--detach")
    clients_job = clients.out.strip()

    both = await cli("import", "--account", "Acme", "all", "--detach")
    again = await cli("import", "--account", "Acme", "todo", "--detach", "--json")

    assert both.code == 0, both.err
    items_job = both.out.strip()
    assert JOB_ID.fullmatch(items_job)
    assert items_job != clients_job
    assert both.err == (
        f"An import of clients is already queued or running (job {clients_job}); "
        "its summary goes to whoever asked for it.\n"
    )
    assert [(j["id"], j["kinds"]) for j in await listed(cli)] == [
        (items_job, ["items"]),
        (clients_job, ["clients"]),
    ]
    assert again.code == 3  # both kinds are taken now: nothing new
    answer = again.json()
    assert answer["queued"] is None
    assert sorted(j["id"] for j in answer["active"]) == sorted([clients_job, items_job])


async def test_a_detached_import_is_refused_as_the_foreground_import_would_be(
    cli: Cli, simulator: Simulator
) -> None:
    await cli("accounts", "create", "Lone")
    await connected_account(cli, simulator, "Acme")
    not_connected = await cli("import", "--account", "Lone", "clients", "--detach")
    simulator.inject("hang@*")
    simulator.requests.clear()
    foreground = await cli.start("import", "--account", "Acme", "clients")
    try:
        for _ in range(400):  # until the import has its run and asks QuickBooks, at most 20 s
            if simulator.requests:
                break
            await asyncio.sleep(0.05)
        held = await cli("import", "--account", "Acme", "clients", "--detach")
        rest = await cli("import", "--account", "Acme", "all", "--detach")
    finally:
        foreground.send_signal(signal.SIGINT)
        await foreground.communicate()

    assert not_connected.code == 1
    assert "Lone" in not_connected.err
    assert "not connected" in not_connected.err
    assert held.code == 3  # R8: the foreground import holds clients
    assert "An import of clients is already running outside the queue (run " in held.out
    assert held.out.rstrip().endswith("Nothing new was queued.")
    assert rest.code == 0, rest.err
    assert [(j["id"], j["kinds"]) for j in await listed(cli)] == [(rest.out.strip(), ["items"])]


async def test_jobs_list_refuses_a_negative_limit_and_shows_none_for_zero(
    cli: Cli, simulator: Simulator
) -> None:
    await connected_account(cli, simulator, "Acme")
    await cli("import", "--account", "Acme", "clients", "--detach")

    negative = await cli("jobs", "list", "--limit", "-1")
    zero = await cli("jobs", "list", "--limit", "0")
    zero_json = await cli("jobs", "list", "--limit", "0", "--json")
    one = await cli("jobs", "list", "--limit", "1")

    assert negative.code == 2
    assert "must be a whole number, 0 or more, not '-1'" in negative.err
    assert negative.out == ""
    assert (zero.code, zero.out) == (0, "")  # not "No import jobs yet.": there is one
    assert json.loads(zero_json.out) == []
    assert len(one.out.splitlines()) == 1
