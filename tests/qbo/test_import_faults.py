"""QBO's failures during an import: each still ends in a complete, correct import."""

from __future__ import annotations

import pytest

from importer.domain.model import Kind
from importer.domain.runs import RunStatus
from importer.services.engine import ImportEngine
from qbo.source import page_start
from tests.qbo.conftest import MakeWorld, Process, connected


async def stored(process: Process, account_id: str) -> list[tuple[str, str | None]]:
    records = await process.store.list_records(account_id, Kind.CLIENTS, limit=10_000)
    return [(r.name, r.qbo_id) for r in records]


@pytest.mark.parametrize(
    "fault",
    [
        f"throttle@start={page_start(2)}",  # a 429 with Intuit's XML body
        f"500@start={page_start(2)}",  # a 500 on one page
        f"timeout=3@start={page_start(3)}",  # a page that answers after the client gave up
        "expire@4",  # the access token expires in the middle of the import
    ],
)
async def test_an_import_meeting_a_fault_ends_complete_and_correct(
    make_world: MakeWorld, fault: str
) -> None:
    world = await make_world(customers=2345)
    process = await world.process()
    calm = await connected(world, process, "Calm")
    stormy = await connected(world, process, "Stormy")
    engine = ImportEngine(process.store)

    expected = await engine.run(calm.id, Kind.CLIENTS, await process.service.source_for(calm.id))
    world.sim.inject(fault)
    run = await engine.run(stormy.id, Kind.CLIENTS, await process.service.source_for(stormy.id))

    assert run.status is RunStatus.SUCCEEDED
    assert run.counts.as_dict() == expected.counts.as_dict()
    assert run.counts.seen == 2345
    assert await stored(process, stormy.id) == await stored(process, calm.id)
    statuses = {r.status for r in world.sim.requests}
    assert statuses - {200}, f"the fault {fault} never fired"
