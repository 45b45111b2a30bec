"""MongoDB specifics of runs: a checkpoint in two writes loses nothing to a worker that dies
between them, and leases are dated by the server's clock, not a worker's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from importer.domain.errors import RunInProgress
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.runs import Checkpoint
from storage.mongo import MongoStore
from tests.mongomock import mongomock_database
from tests.storage.conftest import Clock

MINUTE = timedelta(minutes=1)


class Died(BaseException):
    """The worker process ends here."""


class DyingStore(MongoStore):
    """A MongoDB store whose process dies before its round trip number `dies_at`."""

    dies_at = 0

    def _trip(self) -> None:
        super()._trip()
        if self.round_trips == self.dies_at:
            raise Died


@pytest.mark.parametrize(
    ("dies_on_trip", "resumes_after"),
    [
        (1, 1),  # before the counts are saved: pages 2 to 4 are read again
        (2, 4),  # after the counts, before the skips are copied: the skips are kept
    ],
)
async def test_a_worker_dying_inside_a_checkpoint_loses_no_skips(
    clock: Clock, dies_on_trip: int, resumes_after: int
) -> None:
    store = DyingStore(mongomock_database(clock=clock), clock=clock)
    await store.migrate()
    account = await store.create_account("Acme Landscaping", "premium")
    run = await store.begin_run(account.id, Kind.CLIENTS, "realm-1", "worker-a", timedelta(0))
    first_page = [Skipped("3", "Ann", SkipReason.EXISTS)]
    counts = Counts()
    counts.add(9, first_page)
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "11", counts, first_page))

    # Pages 2 to 4 were written as one batch; the worker dies while saving their checkpoint.
    batch = [Skipped("12", "Bea", SkipReason.INACTIVE), Skipped("37", "Cy", SkipReason.DELETED)]
    store.dies_at = store.round_trips + dies_on_trip
    with pytest.raises(Died):
        await store.save_checkpoint(run.id, "worker-a", Checkpoint(4, "41", counts, batch))
    store.dies_at = 0

    # Anyone looking meanwhile sees the skips of the pages the run says are done.
    saved = await store.get_run(run.id)
    assert saved is not None
    done = first_page if resumes_after == 1 else [*first_page, *batch]
    assert saved.pages == resumes_after
    assert await store.skipped_entries(run.id) == done
    assert await store.skipped_entries(run.id, limit=1, offset=1) == done[1:2]
    assert await store.skipped_entries(run.id, offset=len(done) - 1) == done[-1:]

    taken = await store.take_over_run(saved, "worker-b", MINUTE)
    assert taken.pages == resumes_after
    assert await store.skipped_entries(run.id) == done
    if resumes_after == 1:  # the new owner reads pages 2 to 4 again, in batches of its own
        await store.save_checkpoint(run.id, "worker-b", Checkpoint(2, "21", counts, batch[:1]))
        await store.save_checkpoint(run.id, "worker-b", Checkpoint(4, "41", counts, batch[1:]))
    await store.save_checkpoint(run.id, "worker-b", Checkpoint(5, None, counts, ()))
    assert await store.skipped_entries(run.id) == [*first_page, *batch]
    await store.close()


async def test_a_worker_with_a_skewed_clock_cannot_steal_a_live_run(clock: Clock) -> None:
    database = mongomock_database(clock=clock)  # the server's clock
    slow = MongoStore(database, clock=lambda: clock.now - timedelta(hours=1))
    fast = MongoStore(database, clock=lambda: clock.now + timedelta(hours=1))
    await slow.migrate()
    account = await slow.create_account("Acme", "premium")

    # A worker an hour behind still gets a lease that runs a minute from the server's now...
    run = await slow.begin_run(account.id, Kind.ITEMS, "realm-1", "worker-slow", MINUTE)
    assert run.lease_expires_at == clock.now + MINUTE
    # ...and one an hour ahead does not judge it stale.
    with pytest.raises(RunInProgress):
        await fast.take_over_run(run, "worker-fast", MINUTE)
    await slow.renew_lease(run.id, "worker-slow", 2 * MINUTE)
    renewed = await slow.get_run(run.id)
    assert renewed is not None
    assert renewed.lease_expires_at == clock.now + 2 * MINUTE

    clock.advance(minutes=3)  # the server's clock passes the lease
    assert (await fast.take_over_run(renewed, "worker-fast", MINUTE)).owner == "worker-fast"


async def test_a_worker_with_a_skewed_clock_cannot_steal_a_live_job(clock: Clock) -> None:
    database = mongomock_database(clock=clock)  # the server's clock
    slow = MongoStore(database, clock=lambda: clock.now - timedelta(hours=1))
    fast = MongoStore(database, clock=lambda: clock.now + timedelta(hours=1))
    await slow.migrate()
    account = await slow.create_account("Acme", "premium")
    await slow.enqueue_job(
        Job(
            id="job-1",
            account_id=account.id,
            kinds=(Kind.CLIENTS,),
            origin=JobOrigin.COMMAND,
            status=JobStatus.QUEUED,
            created_at=clock.now,
        )
    )

    # A worker an hour behind still holds its job a minute from the server's now...
    claimed = await slow.claim_job("worker-slow", 60)
    assert claimed is not None
    assert claimed.lease_expires_at == clock.now + MINUTE
    # ...and one an hour ahead does not judge it stale, before or after it is renewed.
    assert await fast.claim_job("worker-fast", 60) is None
    await slow.renew_job("job-1", "worker-slow", 120)
    assert await fast.claim_job("worker-fast", 60) is None

    clock.advance(minutes=3)  # the server's clock passes the lease
    taken = await fast.claim_job("worker-fast", 60)
    assert taken is not None
    assert (taken.id, taken.owner, taken.attempts) == ("job-1", "worker-fast", 2)
