"""Workers as real processes: killed at random points, stopped with SIGTERM, raced by a second
worker. Whatever happens, every job ends with exactly the records and counts of an uninterrupted
import, and no duplicate."""

from __future__ import annotations

import asyncio
import math
import random
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from qbo_simulator import Simulator

from importer.domain.jobs import Job, JobStatus
from importer.domain.model import Kind
from qbo.client import PAGE_SIZE
from qbo.source import OVERLAP, page_start
from tests.processes.conftest import Deployment, deployment_env, eventually

BOTH = (Kind.CLIENTS, Kind.ITEMS)
TRIALS = 20
PAGE_HELD_SECONDS = 0.6


@dataclass(frozen=True)
class Outcome:
    """What an import job leaves: its counts per kind and the records it made, by QBO id."""

    counts: dict[str, dict[str, Any]]
    records: dict[Kind, list[str]]


async def outcome_of(deployment: Deployment, job: Job) -> Outcome:
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.outcome is not None
    counts = {
        kind: {key: job.outcome[kind][key] for key in ("status", "imported", "failed", "skipped")}
        for kind in ("clients", "items")
    }
    records: dict[Kind, list[str]] = {}
    async with deployment.services() as services:
        account = await services.accounts.named("Acme")
        for kind in BOTH:
            found = await services.records.list(account, kind, limit=100_000)
            records[kind] = sorted(str(record.qbo_id) for record in found)
    return Outcome(counts, records)


@pytest.fixture
async def uninterrupted(company: Simulator, tmp_path: Path) -> Outcome:
    """The outcome of the same job carried out by one worker that nothing disturbs."""
    folder = tmp_path / "uninterrupted"
    folder.mkdir()
    deployment = Deployment(company, folder, deployment_env(company, folder))
    try:
        job = await deployment.queue(await deployment.connected_account("Acme"), BOTH)
        await deployment.start("worker", log_name="worker")
        outcome = await outcome_of(deployment, await deployment.wait_for(job.id))
    finally:
        await deployment.stop_all()
    for kind in BOTH:  # no duplicate QBO record
        assert len(set(outcome.records[kind])) == len(outcome.records[kind]) > 0
    return outcome


async def reading_page(sim: Simulator, since: int, start: int) -> None:
    """Wait (up to half a minute) until a worker has asked for the customers' page at start."""

    async def asked() -> bool | None:
        for request in sim.requests[since:]:
            statement = request.statement or ""
            if "FROM Customer" in statement and f"STARTPOSITION {start} " in statement:
                return True
        return None

    await eventually(asked, 30)


async def idle(sim: Simulator) -> bool | None:
    """Whether QuickBooks has answered every request it was sent (None while it has not)."""
    realm = sim.throttle.realms.get(sim.realm_id)
    return True if realm is None or realm.in_flight == 0 else None


async def test_a_killed_worker_is_replaced_and_the_job_ends_as_if_nothing_happened(
    company: Simulator, tmp_path: Path, uninterrupted: Outcome
) -> None:
    rng = random.Random(20261205)
    pages = math.ceil((company.config.customers - PAGE_SIZE) / (PAGE_SIZE - OVERLAP)) + 1
    kill_pages = []
    for trial in range(TRIALS):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        deployment = Deployment(company, folder, deployment_env(company, folder))
        try:
            account = await deployment.connected_account("Acme")
            job = await deployment.queue(account, BOTH)
            # Killed while the import is under way: customers of earlier pages seen, the page
            # at a seeded place in the read held back by QuickBooks for a moment, never the last
            # record read. The pause answers after PAGE_HELD_SECONDS; the kill comes within it.
            page = rng.randint(2, pages)
            start = page_start(page)
            since = len(company.requests)
            company.inject(f"timeout={PAGE_HELD_SECONDS}@start={start}")
            first = await deployment.start("worker", log_name="first")
            await reading_page(company, since, start)
            await asyncio.sleep(rng.uniform(0, PAGE_HELD_SECONDS * 0.8))
            first.send_signal(signal.SIGKILL)
            await first.wait()
            company.clear_faults()
            # QuickBooks still counts the dead worker's requests in flight until it answers them
            # (its limit of 10 would make the next worker wait a minute): let it answer first.
            await eventually(lambda: idle(company), 10)
            before = await deployment.job(job.id)
            assert before.status is JobStatus.RUNNING, f"trial {trial}: {before.status}"
            kill_pages.append(page)
            second = await deployment.start("worker", log_name="second")
            finished = await deployment.wait_for(job.id)
            await deployment.started("second")
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 30) == 0

            assert await outcome_of(deployment, finished) == uninterrupted, f"trial {trial}"
        finally:
            company.clear_faults()
            await deployment.stop_all()
    # The seeded points spread over the whole read, from its second page to its last.
    assert set(kill_pages) == set(range(2, pages + 1)), kill_pages


async def test_sigterm_hands_the_job_back_and_loses_nothing(
    deployment: Deployment, uninterrupted: Outcome
) -> None:
    account = await deployment.connected_account("Acme")
    job = await deployment.queue(account, BOTH)
    worker = await deployment.start("worker", log_name="stopped")
    await deployment.started("stopped")

    await deployment.wait_for(job.id, until=JobStatus.RUNNING)
    worker.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(worker.wait(), 30)

    assert code == 0
    handed_back = await deployment.job(job.id)
    assert handed_back.status in (JobStatus.QUEUED, JobStatus.SUCCEEDED)
    assert "goes back to the queue" in deployment.log("stopped") or (
        handed_back.status is JobStatus.SUCCEEDED
    )
    await deployment.start("worker", log_name="next")
    assert await outcome_of(deployment, await deployment.wait_for(job.id)) == uninterrupted


async def test_two_live_workers_never_run_the_same_job(
    deployment: Deployment, uninterrupted: Outcome
) -> None:
    account = await deployment.connected_account("Acme")
    other = await deployment.connected_account("Bolt")
    jobs = [await deployment.queue(account, BOTH), await deployment.queue(other, BOTH)]
    await deployment.start("worker", log_name="a")
    await deployment.start("worker", log_name="b")

    finished = [await deployment.wait_for(job.id) for job in jobs]

    assert await outcome_of(deployment, finished[0]) == uninterrupted
    taken = deployment.log("a").count("took job") + deployment.log("b").count("took job")
    assert taken == 2  # each job was claimed exactly once
    assert [job.attempts for job in finished] == [1, 1]


async def test_sigterm_while_intuit_holds_a_token_refresh_stops_within_heroku_s_limit(
    deployment: Deployment,
) -> None:
    account = await deployment.connected_account("Acme")
    job = await deployment.queue(account, BOTH)
    held: list[asyncio.StreamWriter] = []
    asked = asyncio.Event()

    async def never_answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # Intuit took the refresh and keeps it: no answer, no close
        asked.set()

    intuit = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = intuit.sockets[0].getsockname()[1]
    deployment.env["QBO_TOKEN_URL"] = f"http://127.0.0.1:{port}/oauth2/v1/tokens/bearer"
    deployment.sim.expire_access_tokens()  # the worker must refresh before its first page
    try:
        worker = await deployment.start("worker", log_name="refreshing")
        await asyncio.wait_for(asked.wait(), 30)
        await asyncio.sleep(1)  # the refresh request is at Intuit, unanswered
        worker.send_signal(signal.SIGTERM)
        # Heroku sends SIGKILL 30 s after SIGTERM: a refresh Intuit has not answered is given up
        # at once, and the job goes back to the queue.
        code = await asyncio.wait_for(worker.wait(), 30)
    finally:
        intuit.close()
        for writer in held:
            writer.close()

    assert code == 0
    handed_back = await deployment.job(job.id)
    assert handed_back.status is JobStatus.QUEUED
    async with deployment.services() as services:
        connection = await services.store.get_connection(account.id)
    assert connection is not None
    assert connection.status.value == "connected"  # a refresh Intuit never answered costs nothing
