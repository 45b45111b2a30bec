"""A 429 pauses the import; the pause and when it ends reach whoever follows its progress."""

from __future__ import annotations

from datetime import datetime, timedelta

from importer.domain.model import Kind
from importer.ports.clock import utcnow
from importer.services.engine import Progress
from tests.qbo.conftest import MakeWorld, connected


async def test_a_throttle_shows_in_the_progress_of_every_running_kind(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=40)
    process = await world.process()
    account = await connected(world, process)
    heard: list[tuple[datetime, Progress]] = []

    async def listen(progress: Progress) -> None:
        heard.append((utcnow(), progress))
        if progress.paused_until is not None:
            world.sim.clear_faults()  # told: the requests tried again after the pause go through

    # Each kind's first page is refused while both read: a request the import needs (a page
    # fetched ahead past the end may be dropped unanswered), so the pause always comes.
    world.sim.inject("throttle@start=1~always~retry-after=1")
    before = utcnow()
    report = await process.services.imports.run(
        account, (Kind.CLIENTS, Kind.ITEMS), on_progress=listen
    )

    assert report.ok
    seen = [progress for _, progress in heard]
    paused = [p for p in seen if p.paused_until is not None]
    assert {p.kind for p in paused} == {Kind.CLIENTS, Kind.ITEMS}
    until = paused[0].paused_until
    assert isinstance(until, datetime)
    assert before + timedelta(seconds=0.5) <= until <= utcnow() + timedelta(seconds=1)
    assert all(p.paused_until == until for p in paused)
    after = [p for at, p in heard if at >= until]
    assert after  # the throttled request's kind went on after the pause
    assert all(p.paused_until is None for p in after)
    last = {p.kind: p for p in seen}
    assert last[Kind.CLIENTS].counts.imported == 40
