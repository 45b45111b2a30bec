"""Paging a company that changes under the read: merges between the count, the pages and a
resume neither hang the import nor lose a record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from importer.domain.errors import ServerError
from importer.domain.model import Kind
from importer.domain.runs import ImportRun, RunStatus
from importer.ports.source import RecordSource, SourcePage
from importer.services.engine import ImportEngine, Progress, ProgressListener
from qbo.client import QboClient
from qbo.connection import FixedTokens
from qbo.limits import RealmLimiter
from qbo.source import QboSource
from tests.qbo.conftest import PATIENT_RETRY, MakeWorld, Process, World, connected

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
MAX_PAGES = 12  # far more than any read below needs; a read still going is a read in a loop


def company_ids(world: World) -> list[str]:
    return [row["Id"] for row in world.sim.company.lists["Customer"].rows]


def page_queries(world: World) -> list[str]:
    return [
        r.statement
        for r in world.sim.requests
        if r.statement is not None and r.statement.startswith("SELECT * FROM Customer ")
    ]


def merge_away(world: World, ids: range, into: str = "1") -> set[str]:
    """Merge these customers into another in QuickBooks; return the Ids that are gone."""
    for gone in reversed(ids):  # sub-customers (higher Ids) before their parents
        world.sim.company.merge("Customer", str(gone), into)
    return {str(gone) for gone in ids}


async def read_bounded(pages: AsyncIterator[SourcePage]) -> list[SourcePage]:
    """Read pages to the end, failing (instead of hanging) if the read does not end."""
    read: list[SourcePage] = []
    async for page in pages:
        read.append(page)
        assert len(read) <= MAX_PAGES, f"still reading after {MAX_PAGES} pages: a loop"
    return read


def bounded() -> ProgressListener:
    """Return a progress listener that fails the import if it checkpoints without end."""
    seen: list[Progress] = []

    async def listen(update: Progress) -> None:
        seen.append(update)
        assert len(seen) <= MAX_PAGES, "the import keeps checkpointing: a loop"

    return listen


def ids_of(pages: list[SourcePage]) -> list[str]:
    return [c.qbo_id for page in pages for c in page.candidates]


async def stored_ids(process: Process, account_id: str) -> set[str]:
    records = await process.store.list_records(account_id, Kind.CLIENTS, limit=10_000)
    return {r.qbo_id for r in records if r.qbo_id is not None}


async def decided_ids(process: Process, run: ImportRun) -> set[str]:
    """Return the QBO Ids a run imported or skipped (with a reason)."""
    skipped = await process.store.skipped_entries(run.id, limit=10_000)
    return await stored_ids(process, run.account_id) | {s.qbo_id for s in skipped}


class Changing:
    """A company as a record source, with something done to it in QuickBooks meanwhile."""

    def __init__(
        self,
        source: RecordSource,
        *,
        after_count: Callable[[], object] | None = None,
        after_page: Callable[[], object] | None = None,
    ) -> None:
        self._source = source
        self._after_count = after_count
        self._after_page = after_page

    @property
    def realm_id(self) -> str:
        return self._source.realm_id

    async def count(self, kind: Kind) -> int | None:
        total = await self._source.count(kind)
        if self._after_count is not None:
            self._after_count()
        return total

    async def pages(self, kind: Kind, start: str | None = None) -> AsyncIterator[SourcePage]:
        first = True
        async for page in self._source.pages(kind, start):
            yield page
            if first and self._after_page is not None:
                self._after_page()
            first = False


async def test_a_count_higher_than_the_records_ends_the_read(make_world: MakeWorld) -> None:
    world = await make_world(customers=2500)
    process = await world.process(retry=PATIENT_RETRY)
    account = await connected(world, process)
    source = await process.service.source_for(account.id)

    assert await source.count(Kind.CLIENTS) == 2500
    merge_away(world, range(2401, 2501))  # after the count: it is now 100 too high
    pages = await read_bounded(source.pages(Kind.CLIENTS))

    assert ids_of(pages) == company_ids(world)
    assert len(company_ids(world)) == 2400
    assert pages[-1].next_position is None
    assert len(page_queries(world)) <= 4


async def test_an_import_whose_count_is_too_high_ends_with_every_record(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=2500)
    process = await world.process(retry=PATIENT_RETRY)
    account = await connected(world, process)
    source = Changing(
        await process.service.source_for(account.id),
        after_count=lambda: merge_away(world, range(2301, 2501)),
    )
    run = await ImportEngine(process.store).run(
        account.id, Kind.CLIENTS, source, on_progress=bounded()
    )

    assert run.status is RunStatus.SUCCEEDED
    assert run.counts.seen == 2300
    assert await stored_ids(process, account.id) <= set(company_ids(world))
    assert run.counts.imported == len(await stored_ids(process, account.id))
    assert len(page_queries(world)) <= 4


@pytest.mark.parametrize(
    "merged",
    [
        range(2, 5),  # a few: positions move by less than the pages overlap
        range(2, 12),  # ten: as many as the overlap, the next page starts past what was read
        range(2, 1202),  # more than a page: the read steps back more than a page
    ],
)
async def test_records_shifted_by_a_merge_between_pages_are_read(
    make_world: MakeWorld, merged: range
) -> None:
    world = await make_world(customers=2500)
    process = await world.process(retry=PATIENT_RETRY)
    account = await connected(world, process)
    # One page at a time, so the merge lands between two page requests.
    source = QboSource(await process.client_for(account.id), ahead=1)
    pages = source.pages(Kind.CLIENTS)

    first = await anext(pages)
    gone = merge_away(world, merged)  # lower Ids go: every later record moves down
    rest = await read_bounded(pages)

    ids = ids_of([first, *rest])
    assert len(ids) == len(set(ids)), "a record was read twice"
    assert [i for i in ids if i not in gone] == company_ids(world)
    assert rest[-1].next_position is None
    assert len(page_queries(world)) <= 6


async def test_an_import_with_merges_between_its_pages_ends_with_every_record(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=2500)
    process = await world.process(retry=PATIENT_RETRY)
    shifted = await connected(world, process, "Shifted")
    gone: set[str] = set()
    source = Changing(
        QboSource(await process.client_for(shifted.id), ahead=1),
        after_page=lambda: gone.update(merge_away(world, range(2, 42))),
    )
    engine = ImportEngine(process.store, batch_pages=1)

    run = await engine.run(shifted.id, Kind.CLIENTS, source, on_progress=bounded())

    assert run.status is RunStatus.SUCCEEDED
    # Every record decided once: the 2,460 still there, and the 40 read before they went.
    assert await decided_ids(process, run) == set(company_ids(world)) | gone
    assert run.counts.seen == 2500


async def test_records_shifted_by_a_merge_while_an_import_was_stopped_are_read(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=2500)
    process = await world.process(retry=PATIENT_RETRY)
    stopped = await connected(world, process, "Stopped")
    first_page_written = asyncio.Event()

    async def stall_after_the_first_page(update: Progress) -> None:
        if update.pages < 1:
            return  # the run's start, before any page
        first_page_written.set()
        await asyncio.Event().wait()  # the worker hangs here until it is stopped

    running = asyncio.ensure_future(
        ImportEngine(process.store, batch_pages=1).run(
            stopped.id,
            Kind.CLIENTS,
            await process.service.source_for(stopped.id),
            on_progress=stall_after_the_first_page,
        )
    )
    await first_page_written.wait()
    running.cancel()  # the worker is stopped after page 1
    with pytest.raises(asyncio.CancelledError):
        await running
    [stuck] = await process.store.list_runs(stopped.id)
    assert stuck.pages == 1
    gone = merge_away(world, range(2, 22))  # meanwhile, in QuickBooks
    resumed = await ImportEngine(process.store).run(
        stopped.id,
        Kind.CLIENTS,
        await process.service.source_for(stopped.id),
        on_progress=bounded(),
    )

    assert resumed.status is RunStatus.SUCCEEDED
    assert resumed.id == stuck.id
    assert await decided_ids(process, resumed) == set(company_ids(world)) | gone
    assert resumed.counts.seen == 2500


async def test_a_server_that_ignores_the_position_fails_the_read_instead_of_looping(
    aiohttp_server: AiohttpServer,
) -> None:
    rows = [{"Id": str(n), "DisplayName": f"Customer {n}"} for n in range(1, 11)]

    async def query(request: web.Request) -> web.Response:
        if "COUNT(*)" in request.query["query"]:
            return web.json_response({"QueryResponse": {"totalCount": 100}})
        return web.json_response({"QueryResponse": {"Customer": rows}})  # always the first page

    app = web.Application()
    app.router.add_get("/v3/company/{realm}/query", query)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        client = QboClient(
            session,
            str(server.make_url("/v3")),
            "1",
            FixedTokens("an-access-token"),
            RealmLimiter(),
            PATIENT_RETRY,
        )
        source = QboSource(client, page_size=10, overlap=2)
        read: list[SourcePage] = []

        async def collect() -> None:
            async for page in source.pages(Kind.CLIENTS):
                read.append(page)
                assert len(read) <= MAX_PAGES, "still reading: a loop"

        with pytest.raises(ServerError, match="already read"):
            await collect()

    assert ids_of(read) == [str(n) for n in range(1, 11)]
