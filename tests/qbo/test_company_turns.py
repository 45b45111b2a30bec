"""Two processes importing from one QuickBooks company stay within its limits together."""

from __future__ import annotations

import asyncio

from importer.domain.model import Account, Kind
from importer.services.engine import Progress
from importer.services.imports import ImportReport
from qbo.limits import MAX_IN_FLIGHT
from tests.qbo.conftest import MakeWorld, Process, connected

BOTH = (Kind.CLIENTS, Kind.ITEMS)


async def test_two_processes_never_send_a_company_more_than_its_limit_at_once(
    make_world: MakeWorld,
) -> None:
    # The simulator admits far more than QBO would, so that it can tell how many came at once;
    # its latency keeps each process's first wave of requests in flight together.
    world = await make_world(latency_ms=100, max_in_flight=100)
    worker, command = await world.process(), await world.process()
    # Two accounts connected to the same company, imported by two processes at once.
    acme = await connected(world, worker, "Acme")
    bolt = await connected(world, command, "Bolt")
    waited: set[str] = set()

    async def run(process: Process, account: Account) -> ImportReport:
        async def listen(progress: Progress) -> None:
            if progress.waiting_for_company:
                waited.add(account.name)

        return await process.services.imports.run(account, BOTH, on_progress=listen)

    reports = await asyncio.gather(run(worker, acme), run(command, bolt))

    assert world.sim.throttle.peak_in_flight(world.sim.realm_id) <= MAX_IN_FLIGHT
    assert len(waited) == 1  # one took its turn after the other, and was told so
    for report in reports:
        assert report.ok
        assert [o.run.counts.imported for o in report.outcomes if o.run] == [29, 18]
    for account in (acme, bolt):
        assert await worker.store.count_records(account.id, Kind.CLIENTS) == 29
        assert await worker.store.count_records(account.id, Kind.ITEMS) == 18
