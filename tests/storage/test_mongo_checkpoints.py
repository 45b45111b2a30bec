"""MongoDB saves a checkpoint in two writes; a worker that dies between them loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.runs import Checkpoint
from storage.mongo import MongoStore
from tests.mongomock import mongomock_database
from tests.storage.conftest import Clock


class Died(BaseException):
    """The worker process ends here."""


class DyingStore(MongoStore):
    """A MongoDB store whose process dies before its round trip number `dies_at`."""

    dies_at = 0

    def _trip(self) -> None:
        super()._trip()
        if self.round_trips == self.dies_at:
            raise Died


async def test_skips_of_a_batch_saved_halfway_are_dropped_when_the_run_is_taken_over(
    clock: Clock,
) -> None:
    store = DyingStore(mongomock_database(), clock=clock)
    await store.migrate()
    account = await store.create_account("Acme Landscaping", "premium")
    run = await store.begin_run(account.id, Kind.CLIENTS, "realm-1", "worker-a", clock.now)
    first_page = [Skipped("3", "Ann", SkipReason.EXISTS)]
    counts = Counts()
    counts.add(9, first_page)
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "11", counts, first_page))

    # Pages 2 to 4 were written as one batch; the worker dies after saving their skips and
    # before saving the counts that say they are done.
    batch = [Skipped("12", "Bea", SkipReason.INACTIVE), Skipped("37", "Cy", SkipReason.DELETED)]
    store.dies_at = store.round_trips + 2
    with pytest.raises(Died):
        await store.save_checkpoint(run.id, "worker-a", Checkpoint(4, "41", counts, batch))

    store.dies_at = 0
    later = clock.now + timedelta(minutes=5)
    taken = await store.take_over_run(run.id, "worker-a", "worker-b", later)
    assert (taken.pages, taken.next_position) == (1, "11")
    assert await store.skipped_entries(run.id) == first_page

    # The new owner reads pages 2 to 4 again, in batches of its own.
    await store.save_checkpoint(run.id, "worker-b", Checkpoint(2, "21", counts, batch[:1]))
    await store.save_checkpoint(run.id, "worker-b", Checkpoint(4, "41", counts, batch[1:]))
    assert await store.skipped_entries(run.id) == [*first_page, *batch]
    await store.close()
