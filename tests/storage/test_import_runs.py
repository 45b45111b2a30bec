"""Contract: import runs, one at a time per account and kind (R8), leases and checkpoints."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from i18n import explain
from importer.domain.errors import LeaseLost, RunInProgress
from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.runs import MAX_SKIPPED_NAME, Checkpoint, RunRead, RunStatus
from importer.ports.store import Store
from tests.storage.conftest import Clock

CLIENTS, ITEMS = Kind.CLIENTS, Kind.ITEMS


@pytest.fixture
async def account_id(store: Store) -> str:
    return (await store.create_account("Acme", "premium")).id


MINUTE = timedelta(minutes=1)
# A lease that runs out the moment it is given: the run may be taken over at once.
NONE = timedelta(0)


def about(expected: datetime, actual: datetime) -> bool:
    """Tell whether a time the store dated by its own clock is the one expected (a real MongoDB
    dates leases by the server's clock, a little apart from the test's)."""
    return abs(actual - expected) < timedelta(seconds=5)


async def test_begin_starts_a_running_run(store: Store, account_id: str, clock: Clock) -> None:
    run = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", 2 * MINUTE)

    assert (run.status, run.owner, run.realm_id, run.kind) == (
        RunStatus.RUNNING,
        "worker-a",
        "realm-1",
        CLIENTS,
    )
    assert (run.started_at, run.pages, run.total) == (clock.now, 0, None)
    assert about(clock.now + 2 * MINUTE, run.lease_expires_at)
    assert run.counts == Counts()
    assert await store.get_run(run.id) == run


async def test_second_begin_for_same_account_and_kind_shows_the_running_one(
    store: Store, account_id: str, clock: Clock
) -> None:
    running = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", MINUTE)

    with pytest.raises(RunInProgress) as refused:
        await store.begin_run(account_id, CLIENTS, "realm-1", "worker-b", MINUTE)

    assert refused.value.run == running
    other = (await store.create_account("Other", "premium")).id
    assert (await store.begin_run(account_id, ITEMS, "realm-1", "w", MINUTE)).kind is ITEMS
    assert (await store.begin_run(other, CLIENTS, "realm-1", "w", MINUTE)).account_id == other


async def test_success_releases_the_lock_and_runs_list_newest_first(
    store: Store, account_id: str, clock: Clock
) -> None:
    first = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", MINUTE)
    clock.advance(seconds=30)
    finished = await store.finish_run(first.id, "worker-a", RunStatus.SUCCEEDED)
    clock.advance(seconds=30)
    items = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", MINUTE)
    clock.advance(seconds=30)
    second = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-b", MINUTE)

    assert (finished.status, finished.error) == (RunStatus.SUCCEEDED, None)
    assert finished.finished_at == first.started_at + timedelta(seconds=30)
    assert [r.id for r in await store.list_runs(account_id)] == [second.id, items.id, first.id]
    assert [r.id for r in await store.list_runs(account_id, CLIENTS)] == [second.id, first.id]
    assert [r.id for r in await store.list_runs(account_id, limit=1)] == [second.id]


async def test_a_failed_run_keeps_the_lock_and_is_resumed_from_its_checkpoint(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", 10 * MINUTE)
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(2, "201", Counts(imported=200)))
    failed = await store.finish_run(run.id, "worker-a", RunStatus.FAILED, "QBO said no")
    assert (failed.status, failed.error, failed.pages) == (RunStatus.FAILED, "QBO said no", 2)

    with pytest.raises(RunInProgress) as held:
        await store.begin_run(account_id, CLIENTS, "realm-1", "worker-b", MINUTE)
    assert held.value.run == failed

    # A failed run is taken at once, its lease unexpired or not.
    resumed = await store.take_over_run(held.value.run, "worker-b", MINUTE)
    assert (resumed.id, resumed.status, resumed.owner) == (run.id, RunStatus.RUNNING, "worker-b")
    assert (resumed.pages, resumed.next_position, resumed.counts.imported) == (2, "201", 200)
    assert (resumed.error, resumed.finished_at) == (None, None)
    with pytest.raises(RunInProgress):
        await store.take_over_run(held.value.run, "worker-c", MINUTE)

    done = await store.finish_run(run.id, "worker-b", RunStatus.SUCCEEDED)
    assert done.status is RunStatus.SUCCEEDED
    assert (await store.begin_run(account_id, CLIENTS, "realm-1", "worker-c", MINUTE)).pages == 0


async def test_a_run_keeps_what_it_reads_through_failure_and_take_over(
    store: Store, account_id: str
) -> None:
    by_id = await store.begin_run(
        account_id, CLIENTS, "realm-1", "worker-a", MINUTE, read=RunRead.BY_ID
    )
    await store.save_checkpoint(by_id.id, "worker-a", Checkpoint(1, "1000", Counts(imported=9)))
    failed = await store.finish_run(by_id.id, "worker-a", RunStatus.FAILED, "QBO down")

    with pytest.raises(RunInProgress) as held:
        await store.begin_run(account_id, CLIENTS, "realm-1", "worker-b", MINUTE)
    assert held.value.run.read is RunRead.BY_ID
    assert (await store.get_run(failed.id)) == failed
    assert failed.read is RunRead.BY_ID
    taken = await store.take_over_run(held.value.run, "worker-b", MINUTE)
    assert (taken.read, taken.next_position) == (RunRead.BY_ID, "1000")
    full = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", MINUTE)
    assert full.read is RunRead.FULL
    listed = {run.id: run.read for run in await store.list_runs(account_id)}
    assert listed == {by_id.id: RunRead.BY_ID, full.id: RunRead.FULL}


async def test_take_over_is_compare_and_set(store: Store, account_id: str, clock: Clock) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", NONE)

    taken = await store.take_over_run(run, "worker-b", 2 * MINUTE)
    with pytest.raises(RunInProgress) as late:
        await store.take_over_run(run, "worker-c", 2 * MINUTE)

    assert taken.owner == "worker-b"
    assert about(clock.now + 2 * MINUTE, taken.lease_expires_at)
    assert late.value.run.owner == "worker-b"
    with pytest.raises(LeaseLost):
        await store.renew_lease(run.id, "worker-a", MINUTE)
    with pytest.raises(LeaseLost):
        await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "p2", Counts(imported=1)))
    with pytest.raises(LeaseLost):
        await store.finish_run(run.id, "worker-a", RunStatus.SUCCEEDED)
    unchanged = await store.get_run(run.id)
    assert unchanged is not None
    assert (unchanged.owner, unchanged.pages, unchanged.status) == (
        "worker-b",
        0,
        RunStatus.RUNNING,
    )


async def test_a_live_lease_is_not_taken_over_unless_its_process_is_gone(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", 10 * MINUTE)

    with pytest.raises(RunInProgress) as refused:
        await store.take_over_run(run, "worker-b", MINUTE)
    assert refused.value.run == run
    with pytest.raises(RunInProgress):
        await store.end_run(run, "not resumed")

    # Its owner was a process on this host that is known to be dead.
    taken = await store.take_over_run(run, "worker-b", MINUTE, owner_gone=True)
    assert taken.owner == "worker-b"


async def test_a_lease_renewed_since_it_was_seen_is_not_taken_over(
    store: Store, account_id: str, clock: Clock
) -> None:
    seen = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", NONE)
    clock.advance(seconds=1)
    await store.renew_lease(seen.id, "worker-a", NONE)  # ran out again, but it is not as seen

    with pytest.raises(RunInProgress) as refused:
        await store.take_over_run(seen, "worker-b", MINUTE)
    with pytest.raises(RunInProgress):
        await store.end_run(seen, "not resumed")

    assert refused.value.run.owner == "worker-a"
    assert refused.value.run.lease_expires_at != seen.lease_expires_at


async def test_a_stale_run_is_ended_for_good_and_frees_the_lock(
    store: Store, account_id: str, clock: Clock
) -> None:
    stale = await store.begin_run(account_id, CLIENTS, "realm-old", "worker-a", NONE)
    await store.save_checkpoint(stale.id, "worker-a", Checkpoint(1, "101", Counts(imported=9)))
    seen = await store.get_run(stale.id)
    assert seen is not None

    ended = await store.end_run(seen, "another company now")

    assert (ended.status, ended.error, ended.counts.imported) == (
        RunStatus.FAILED,
        "another company now",
        9,
    )
    assert ended.finished_at == clock.now
    with pytest.raises(RunInProgress):
        await store.take_over_run(ended, "worker-b", MINUTE)  # ended for good
    with pytest.raises(LeaseLost):
        await store.save_checkpoint(stale.id, "worker-a", Checkpoint(2, None, Counts()))
    fresh = await store.begin_run(account_id, CLIENTS, "realm-new", "worker-b", MINUTE)
    assert fresh.id != stale.id


async def test_cancel_ends_the_run_holding_the_lock_even_a_live_one(
    store: Store, account_id: str, clock: Clock
) -> None:
    assert await store.cancel_run(account_id, CLIENTS, "by hand") is None
    live = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", 10 * MINUTE)
    failed = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", 10 * MINUTE)
    await store.finish_run(failed.id, "worker-a", RunStatus.FAILED, "QBO down")

    cancelled = await store.cancel_run(account_id, CLIENTS, "cancelled by an operator")
    ended = await store.cancel_run(account_id, ITEMS, "cancelled by an operator")

    assert cancelled is not None
    assert ended is not None
    assert (cancelled.id, cancelled.status, cancelled.error) == (
        live.id,
        RunStatus.FAILED,
        "cancelled by an operator",
    )
    assert (ended.id, ended.status) == (failed.id, RunStatus.FAILED)
    # The live worker finds out at its next heartbeat or checkpoint, and changes nothing; what
    # it is told reads in the reader's language.
    with pytest.raises(LeaseLost) as lost:
        await store.renew_lease(live.id, "worker-a", MINUTE)
    assert explain(lost.value, "es") == (
        f"la importación {live.id} se canceló o la tomó otro worker; este se detuvo sin "
        "escribir más"
    )
    with pytest.raises(LeaseLost):
        await store.save_checkpoint(live.id, "worker-a", Checkpoint(1, "x", Counts(imported=5)))
    assert await store.cancel_run(account_id, CLIENTS, "again") is None
    assert (await store.begin_run(account_id, CLIENTS, "realm-1", "w", MINUTE)).id != live.id
    assert (await store.begin_run(account_id, ITEMS, "realm-1", "w", MINUTE)).id != failed.id


async def test_renew_lease_moves_the_expiry(store: Store, account_id: str, clock: Clock) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", MINUTE)

    await store.renew_lease(run.id, "worker-a", 10 * MINUTE)

    renewed = await store.get_run(run.id)
    assert renewed is not None
    assert about(clock.now + 10 * MINUTE, renewed.lease_expires_at)
    # A lease of zero hands the run over at once (a worker that stops on purpose).
    await store.renew_lease(run.id, "worker-a", NONE)
    released = await store.get_run(run.id)
    assert released is not None
    assert (await store.take_over_run(released, "worker-b", MINUTE)).owner == "worker-b"


async def test_checkpoints_keep_cumulative_counts_and_skips_in_order(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", MINUTE)
    page1 = [Skipped("3", "Ann", SkipReason.EXISTS), Skipped("1", "Bob", SkipReason.INACTIVE)]
    page2 = [
        Skipped("9", "Cy", SkipReason.DELETED),
        Skipped("4", "Di Renamed", SkipReason.ALREADY_IMPORTED, existing_name="Di"),
    ]
    counts = Counts()
    counts.add(5, page1)

    before = store.round_trips
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "101", counts, page1, 250))
    assert store.round_trips - before <= 2
    counts.add(4, page2, failed=1)
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(2, "201", counts, page2))

    saved = await store.get_run(run.id)
    assert saved is not None
    assert (saved.pages, saved.next_position, saved.total) == (2, "201", 250)
    assert saved.counts.as_dict() == counts.as_dict()
    assert saved.counts.seen == 14
    assert await store.skipped_entries(run.id) == [*page1, *page2]
    assert await store.skipped_entries(run.id, limit=2, offset=1) == [page1[1], page2[0]]
    assert (await store.skipped_entries(run.id, offset=3))[0].existing_name == "Di"


async def test_saving_a_page_again_replaces_its_skips(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", MINUTE)
    first_try = [Skipped("1", "A", SkipReason.EXISTS), Skipped("2", "B", SkipReason.EXISTS)]
    retry = [Skipped("2", "B", SkipReason.EXISTS)]

    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "x", Counts(), first_try))
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "x", Counts(), retry))
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(2, None, Counts(), ()))

    assert await store.skipped_entries(run.id) == retry
    assert await store.skipped_entries("no-such-run") == []


async def test_a_worker_that_lost_its_run_cannot_overwrite_the_new_owners_skips(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", NONE)
    await store.take_over_run(run, "worker-b", MINUTE)
    theirs = [Skipped("7", "Ann", SkipReason.EXISTS)]
    stale = [Skipped("7", "Ann", SkipReason.DUPLICATE), Skipped("8", "Bo", SkipReason.INVALID)]
    await store.save_checkpoint(run.id, "worker-b", Checkpoint(2, "21", Counts(), theirs))

    with pytest.raises(LeaseLost):
        await store.save_checkpoint(run.id, "worker-a", Checkpoint(2, "21", Counts(), stale))

    assert await store.skipped_entries(run.id) == theirs


async def test_a_pathological_skipped_name_is_cut_and_keeps_its_qbo_id(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", MINUTE)
    huge = "Rock " * 20_000  # 100 kB: QBO's names stop at 500 characters
    skipped = [Skipped("4242", huge, SkipReason.INVALID), Skipped("5", "Cy", SkipReason.EXISTS)]

    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, None, Counts(), skipped))

    [cut, short] = await store.skipped_entries(run.id)
    assert (cut.qbo_id, cut.reason) == ("4242", SkipReason.INVALID)
    assert len(cut.name) == MAX_SKIPPED_NAME
    assert cut.name.startswith("Rock Rock")
    assert cut.name.endswith("…")
    assert short == skipped[1]
