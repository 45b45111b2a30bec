"""A full import and an auto-import (records by Id) never resume each other's runs: each run's
position means something only to a read of its own kind."""

from __future__ import annotations

from importer.domain.model import Kind
from importer.domain.runs import RunRead, RunStatus
from qbo.source import page_start
from tests.qbo.conftest import MakeWorld, connected

CUSTOMERS = 1200


async def test_a_full_import_after_a_failed_auto_import_reads_every_customer(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=CUSTOMERS)
    process = await world.process()
    account = await connected(world, process)
    imports = process.services.imports
    world.sim.inject("503@2~always")  # the second page of Ids never comes

    auto = await imports.run(
        account, [Kind.CLIENTS], record_ids={Kind.CLIENTS: [str(i) for i in range(101, 1201)]}
    )
    (failed,) = auto.outcomes
    assert failed.run is not None
    assert (failed.run.status, failed.run.read) == (RunStatus.FAILED, RunRead.BY_ID)
    assert failed.run.counts.seen == 1000
    world.sim.clear_faults()

    full = await imports.run(account, [Kind.CLIENTS])

    (outcome,) = full.outcomes
    assert outcome.run is not None
    assert (outcome.run.status, outcome.resumed) == (RunStatus.SUCCEEDED, False)
    assert (outcome.run.total, outcome.run.counts.seen) == (CUSTOMERS, CUSTOMERS)
    calm = await connected(world, process, "Calm")
    expected = (await imports.run(calm, [Kind.CLIENTS])).outcomes[0].run
    assert expected is not None
    # One record per name, as a calm import makes (which of two same-named customers was met
    # first differs): none of those the auto-import never read (Ids 1-100) is missing.
    assert await process.store.count_records(
        account.id, Kind.CLIENTS
    ) == await process.store.count_records(calm.id, Kind.CLIENTS)
    ended = await process.store.get_run(failed.run.id)
    assert ended is not None
    assert ended.status is RunStatus.FAILED
    assert ended.error is not None
    assert ended.error.startswith("not resumed")


async def test_an_auto_import_leaves_a_failed_full_import_for_the_next_one_to_resume(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=CUSTOMERS)
    process = await world.process()
    account = await connected(world, process)
    imports = process.services.imports
    world.sim.inject(f"503@start={page_start(2)}~always")
    first = (await imports.run(account, [Kind.CLIENTS])).outcomes[0]
    assert first.run is not None
    assert first.run.status is RunStatus.FAILED
    stopped = await process.store.get_run(first.run.id)
    assert stopped is not None
    assert stopped.read is RunRead.FULL
    world.sim.clear_faults()

    auto = (
        await imports.run(account, [Kind.CLIENTS], record_ids={Kind.CLIENTS: ["1100", "1101"]})
    ).outcomes[0]

    # Neither resumed nor ended: the full import's run waits as it was, error and all.
    assert auto.running == stopped
    assert auto.error is None
    assert await process.store.get_run(stopped.id) == stopped
    again = (await imports.run(account, [Kind.CLIENTS])).outcomes[0]
    assert again.run is not None
    assert (again.run.id, again.resumed, again.run.status) == (
        stopped.id,
        True,
        RunStatus.SUCCEEDED,
    )
    assert again.run.counts.seen == CUSTOMERS
    assert await process.store.count_records(account.id, Kind.CLIENTS) == again.run.counts.imported
