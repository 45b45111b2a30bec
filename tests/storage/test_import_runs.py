"""Contract: import runs, one at a time per account and kind (R8), leases and checkpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest

from importer.domain.errors import LeaseLost, RunInProgress
from importer.domain.model import Counts, Kind, Skipped, SkipReason
from importer.domain.runs import Checkpoint, RunStatus
from importer.ports.store import Store
from tests.storage.conftest import Clock

CLIENTS, ITEMS = Kind.CLIENTS, Kind.ITEMS


@pytest.fixture
async def account_id(store: Store) -> str:
    return (await store.create_account("Acme", "premium")).id


async def test_begin_starts_a_running_run(store: Store, account_id: str, clock: Clock) -> None:
    lease = clock.now + timedelta(minutes=2)

    run = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", lease)

    assert (run.status, run.owner, run.realm_id, run.kind) == (
        RunStatus.RUNNING,
        "worker-a",
        "realm-1",
        CLIENTS,
    )
    assert (run.started_at, run.lease_expires_at, run.pages, run.total) == (
        clock.now,
        lease,
        0,
        None,
    )
    assert run.counts == Counts()
    assert await store.get_run(run.id) == run


async def test_second_begin_for_same_account_and_kind_shows_the_running_one(
    store: Store, account_id: str, clock: Clock
) -> None:
    running = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", clock.now)

    with pytest.raises(RunInProgress) as refused:
        await store.begin_run(account_id, CLIENTS, "realm-1", "worker-b", clock.now)

    assert refused.value.run == running
    other = (await store.create_account("Other", "premium")).id
    assert (await store.begin_run(account_id, ITEMS, "realm-1", "w", clock.now)).kind is ITEMS
    assert (await store.begin_run(other, CLIENTS, "realm-1", "w", clock.now)).account_id == other


async def test_finish_releases_the_lock_and_runs_list_newest_first(
    store: Store, account_id: str, clock: Clock
) -> None:
    first = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", clock.now)
    clock.advance(seconds=30)
    finished = await store.finish_run(first.id, "worker-a", RunStatus.FAILED, "QBO said no")
    clock.advance(seconds=30)
    items = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", clock.now)
    clock.advance(seconds=30)
    second = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-b", clock.now)

    assert (finished.status, finished.error) == (RunStatus.FAILED, "QBO said no")
    assert finished.finished_at == first.started_at + timedelta(seconds=30)
    assert [r.id for r in await store.list_runs(account_id)] == [second.id, items.id, first.id]
    assert [r.id for r in await store.list_runs(account_id, CLIENTS)] == [second.id, first.id]
    assert [r.id for r in await store.list_runs(account_id, limit=1)] == [second.id]


async def test_take_over_is_compare_and_set(store: Store, account_id: str, clock: Clock) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", clock.now)
    lease = clock.advance(minutes=5) + timedelta(minutes=2)

    taken = await store.take_over_run(run.id, "worker-a", "worker-b", lease)
    with pytest.raises(RunInProgress) as late:
        await store.take_over_run(run.id, "worker-a", "worker-c", lease)

    assert (taken.owner, taken.lease_expires_at) == ("worker-b", lease)
    assert late.value.run.owner == "worker-b"
    with pytest.raises(LeaseLost):
        await store.renew_lease(run.id, "worker-a", lease)
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


async def test_renew_lease_moves_the_expiry(store: Store, account_id: str, clock: Clock) -> None:
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", clock.now)
    later = clock.now + timedelta(minutes=10)

    await store.renew_lease(run.id, "worker-a", later)

    renewed = await store.get_run(run.id)
    assert renewed is not None
    assert renewed.lease_expires_at == later


async def test_checkpoints_keep_cumulative_counts_and_skips_in_order(
    store: Store, account_id: str, clock: Clock
) -> None:
    run = await store.begin_run(account_id, CLIENTS, "realm-1", "worker-a", clock.now)
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
    run = await store.begin_run(account_id, ITEMS, "realm-1", "worker-a", clock.now)
    first_try = [Skipped("1", "A", SkipReason.EXISTS), Skipped("2", "B", SkipReason.EXISTS)]
    retry = [Skipped("2", "B", SkipReason.EXISTS)]

    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "x", Counts(), first_try))
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(1, "x", Counts(), retry))
    await store.save_checkpoint(run.id, "worker-a", Checkpoint(2, None, Counts(), ()))

    assert await store.skipped_entries(run.id) == retry
    assert await store.skipped_entries("no-such-run") == []
