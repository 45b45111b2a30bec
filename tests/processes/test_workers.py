"""Workers as real processes: killed at random points, stopped with SIGTERM, raced by a second
worker. Whatever happens, every job ends with exactly the records and counts of an uninterrupted
import, and no duplicate."""

from __future__ import annotations

import asyncio
import random
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from qbo_simulator import Simulator

from importer.domain.jobs import Job, JobStatus
from importer.domain.model import Kind
from tests.processes.conftest import Deployment, deployment_env

BOTH = (Kind.CLIENTS, Kind.ITEMS)
TRIALS = 20


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


async def test_a_killed_worker_is_replaced_and_the_job_ends_as_if_nothing_happened(
    company: Simulator, tmp_path: Path, uninterrupted: Outcome
) -> None:
    rng = random.Random(20261205)
    kill_points = []
    for trial in range(TRIALS):
        folder = tmp_path / f"trial-{trial}"
        folder.mkdir()
        deployment = Deployment(company, folder, deployment_env(company, folder))
        try:
            account = await deployment.connected_account("Acme")
            job = await deployment.queue(account, BOTH)
            first = await deployment.start("worker", log_name="first")
            # From before the worker claims the job to after it has finished it.
            await asyncio.sleep(rng.uniform(0.3, 2.5))
            first.send_signal(signal.SIGKILL)
            await first.wait()
            before = await deployment.job(job.id)
            kill_points.append(before.status.value)
            second = await deployment.start("worker", log_name="second")
            finished = await deployment.wait_for(job.id)
            await deployment.started("second")
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 30) == 0

            assert await outcome_of(deployment, finished) == uninterrupted, f"trial {trial}"
        finally:
            await deployment.stop_all()
    # The seeded points kill workers before, during and after their import.
    assert {"queued", "running", "succeeded"} <= set(kill_points), kill_points


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
