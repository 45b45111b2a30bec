"""The job queue, on every store: R8 across processes, claims, leases, retries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from i18n import translate
from importer.domain.errors import JobInProgress, LeaseLost
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.messages import N_, Text
from importer.domain.model import Kind
from importer.ports.store import Store
from tests.storage.conftest import Clock

CLIENTS, ITEMS, BOTH = (Kind.CLIENTS,), (Kind.ITEMS,), (Kind.CLIENTS, Kind.ITEMS)
# Why a job waits: a message within a message, kept so that a reader of either language
# is shown it in theirs.
WHY = Text(
    N_("{kind}: {reason}"),
    {
        "kind": N_("clients"),
        "reason": Text(
            N_("QuickBooks failed while {action} (HTTP {http})"),
            {"action": N_("reading a page"), "http": "503", "status": 503},
        ),
    },
)


def job(clock: Clock, account_id: str, kinds: tuple[Kind, ...] = BOTH, **extra: object) -> Job:
    return Job(
        id=uuid.uuid4().hex,
        account_id=account_id,
        kinds=kinds,
        origin=JobOrigin.COMMAND,
        status=JobStatus.QUEUED,
        created_at=clock.now,
        **extra,  # type: ignore[arg-type]  # a test's chosen extra fields, checked by Job itself
    )


async def test_asking_again_while_a_job_is_active_returns_that_job(
    store: Store, clock: Clock
) -> None:
    first = await store.enqueue_job(job(clock, "acct-1", BOTH, requested_by="U1"))

    with pytest.raises(JobInProgress) as busy:
        await store.enqueue_job(job(clock, "acct-1", CLIENTS))
    other_account = await store.enqueue_job(job(clock, "acct-2", CLIENTS))

    assert busy.value.job.id == first.id
    assert busy.value.job.requested_by == "U1"
    assert other_account.status is JobStatus.QUEUED


async def test_a_worker_claims_the_oldest_due_job_once(store: Store, clock: Clock) -> None:
    first = await store.enqueue_job(job(clock, "acct-1", CLIENTS))
    clock.advance(seconds=1)
    second = await store.enqueue_job(job(clock, "acct-2", ITEMS))

    a = await store.claim_job("worker-a", 60)
    b = await store.claim_job("worker-b", 60)
    none = await store.claim_job("worker-c", 60)

    assert a is not None
    assert b is not None
    assert (a.id, a.owner, a.status, a.attempts) == (first.id, "worker-a", JobStatus.RUNNING, 1)
    assert (b.id, b.owner) == (second.id, "worker-b")
    assert a.started_at == clock.now
    assert none is None


async def test_one_running_job_per_account(store: Store, clock: Clock) -> None:
    await store.enqueue_job(job(clock, "acct-1", CLIENTS))
    await store.enqueue_job(job(clock, "acct-1", ITEMS))

    running = await store.claim_job("worker-a", 60)
    blocked = await store.claim_job("worker-b", 60)
    assert running is not None
    assert blocked is None

    await store.finish_job(running.id, "worker-a", JobStatus.SUCCEEDED, outcome={"ok": 1})
    after = await store.claim_job("worker-b", 60)
    assert after is not None
    assert after.kinds == ITEMS


async def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(
    store: Store, clock: Clock
) -> None:
    queued = await store.enqueue_job(job(clock, "acct-1"))
    claimed = await store.claim_job("worker-a", 60)
    assert claimed is not None

    assert await store.claim_job("worker-b", 60) is None
    clock.advance(seconds=61)
    taken = await store.claim_job("worker-b", 60)

    assert taken is not None
    assert (taken.id, taken.owner, taken.attempts) == (queued.id, "worker-b", 2)
    with pytest.raises(LeaseLost):
        await store.renew_job(queued.id, "worker-a", 60)
    with pytest.raises(LeaseLost):
        await store.finish_job(queued.id, "worker-a", JobStatus.FAILED, error=Text("late"))


async def test_renewing_keeps_the_job(store: Store, clock: Clock) -> None:
    await store.enqueue_job(job(clock, "acct-1"))
    claimed = await store.claim_job("worker-a", 60)
    assert claimed is not None
    clock.advance(seconds=50)
    await store.renew_job(claimed.id, "worker-a", 60)
    await store.save_job_progress(claimed.id, "worker-a", {"clients": {"imported": 7}})
    clock.advance(seconds=50)

    assert await store.claim_job("worker-b", 60) is None
    stored = await store.get_job(claimed.id)
    assert stored is not None
    assert stored.progress == {"clients": {"imported": 7}}


async def test_a_requeued_job_waits_until_due_and_keeps_its_kinds(
    store: Store, clock: Clock
) -> None:
    await store.enqueue_job(job(clock, "acct-1", CLIENTS))
    claimed = await store.claim_job("worker-a", 60)
    assert claimed is not None

    again = await store.requeue_job(claimed.id, "worker-a", clock.now + timedelta(seconds=20), WHY)
    with pytest.raises(JobInProgress):
        await store.enqueue_job(job(clock, "acct-1", CLIENTS))

    assert (again.status, again.error) == (JobStatus.QUEUED, WHY)
    assert str(again.error) == "clients: QuickBooks failed while reading a page (HTTP 503)"
    assert again.error is not None
    assert translate(again.error, "es") == (
        "clientes: QuickBooks falló al leer una página (HTTP 503)"
    )
    assert await store.claim_job("worker-b", 60) is None
    clock.advance(seconds=21)
    retried = await store.claim_job("worker-b", 60)
    assert retried is not None
    assert (retried.id, retried.attempts) == (claimed.id, 2)


async def test_a_finished_job_frees_its_kinds_and_keeps_its_outcome(
    store: Store, clock: Clock
) -> None:
    queued = await store.enqueue_job(
        job(clock, "acct-1", BOTH, record_ids={"clients": ("1", "5")}, reply_to={"channel": "D1"})
    )
    claimed = await store.claim_job("worker-a", 60)
    assert claimed is not None
    clock.advance(seconds=3)

    done = await store.finish_job(
        claimed.id,
        "worker-a",
        JobStatus.FAILED,
        error=Text("QuickBooks refused"),
        outcome={"x": [1]},
    )
    newer = await store.enqueue_job(job(clock, "acct-1", CLIENTS))

    assert (done.status, done.error, done.outcome) == (
        JobStatus.FAILED,
        Text("QuickBooks refused"),
        {"x": [1]},
    )
    assert done.finished_at == clock.now
    assert done.record_ids == {"clients": ("1", "5")}
    assert done.reply_to == {"channel": "D1"}
    listed = await store.list_jobs("acct-1")
    assert [j.id for j in listed] == [newer.id, queued.id]
    assert [j.id for j in await store.list_jobs(limit=1)] == [newer.id]


async def test_a_dead_owner_s_job_is_released_at_once(store: Store, clock: Clock) -> None:
    await store.enqueue_job(job(clock, "acct-1"))
    claimed = await store.claim_job("host:1:dead", 60)
    assert claimed is not None

    assert [j.id for j in await store.running_jobs()] == [claimed.id]
    assert not await store.release_job(claimed.id, "someone-else")
    assert await store.release_job(claimed.id, "host:1:dead")
    taken = await store.claim_job("host:2:alive", 60)

    assert taken is not None
    assert (taken.id, taken.owner) == (claimed.id, "host:2:alive")
