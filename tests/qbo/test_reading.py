"""Reading a company through QboSource and QboClient, with Intuit's faults in the way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from importer.domain.model import Kind
from importer.ports.source import RecordSource, SourcePage
from qbo.client import quote_literal
from qbo.source import page_start
from tests.qbo.conftest import MakeWorld, World, connected


def company_ids(world: World, entity: str) -> list[str]:
    return [row["Id"] for row in world.sim.company.lists[entity].rows]


def statements(world: World) -> list[str]:
    """Return every query statement the simulator received, in order."""
    return [r.statement for r in world.sim.requests if r.statement is not None]


def data_queries(world: World, entity: str) -> list[str]:
    """Return the SELECT * statements the simulator received for an entity."""
    prefix = f"SELECT * FROM {entity} "
    return [s for s in statements(world) if s.startswith(prefix)]


async def read(source: RecordSource, kind: Kind) -> list[SourcePage]:
    return [page async for page in source.pages(kind)]


async def read_from(source: RecordSource, kind: Kind, start: str) -> list[SourcePage]:
    return [page async for page in source.pages(kind, start)]


async def test_a_2345_customer_company_reads_completely_in_three_pages(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=2345)
    process = await world.process()
    account = await connected(world, process)
    world.sim.company.deactivate("Customer", "7")
    source = await process.service.source_for(account.id)

    assert await source.count(Kind.CLIENTS) == 2345
    pages = await read(source, Kind.CLIENTS)

    ids = [c.qbo_id for page in pages for c in page.candidates]
    assert ids == company_ids(world, "Customer")
    # Each page reads the last few of the one before again, to see that nothing moved.
    assert [page.next_position for page in pages] == ["1001 after 1000", "1991 after 1990", None]
    assert [c.active for page in pages for c in page.candidates].count(False) >= 1
    statements = data_queries(world, "Customer")
    assert len(statements) == 3
    assert all("ORDERBY Id" in s and "MAXRESULTS 1000" in s for s in statements)
    assert all("Active IN (true, false)" in s for s in statements)


async def test_a_read_resumes_from_a_returned_position(make_world: MakeWorld) -> None:
    world = await make_world(customers=2345)
    process = await world.process()
    account = await connected(world, process)
    source = await process.service.source_for(account.id)

    pages = [page async for page in source.pages(Kind.CLIENTS, "1001 after 1000")]
    # A checkpoint written before pages overlapped holds the position alone.
    older = [page async for page in source.pages(Kind.CLIENTS, "1001")]

    ids = [c.qbo_id for page in pages for c in page.candidates]
    assert ids == company_ids(world, "Customer")[1000:]
    assert [c.qbo_id for page in older for c in page.candidates] == ids


async def test_a_read_does_not_wait_for_the_count_to_begin(make_world: MakeWorld) -> None:
    world = await make_world(customers=2345)
    process = await world.process()
    account = await connected(world, process)
    source = await process.service.source_for(account.id)
    # QuickBooks never answers the count (a COUNT query is at position 1); the pages it would
    # plan are all in the first wave, asked for without waiting for it.
    world.sim.inject("hang@start=1~always")

    pages = await asyncio.wait_for(read_from(source, Kind.CLIENTS, "1001 after 1000"), 30)

    ids = [c.qbo_id for page in pages for c in page.candidates]
    assert ids == company_ids(world, "Customer")[1000:]
    assert pages[-1].next_position is None
    assert sum(s.startswith("SELECT COUNT(*) FROM Customer") for s in statements(world)) == 1


async def test_records_created_after_the_count_are_not_lost(make_world: MakeWorld) -> None:
    world = await make_world(customers=2000)  # the count ends on a full page
    process = await world.process()
    account = await connected(world, process)
    source = await process.service.source_for(account.id)

    assert await source.count(Kind.CLIENTS) == 2000
    world.sim.company.add_customer("Latecomer Ltd")
    pages = await read(source, Kind.CLIENTS)

    names = [c.name for page in pages for c in page.candidates]
    assert len(names) == 2001
    assert names[-1] == "Latecomer Ltd"
    assert pages[-1].next_position is None


async def test_a_company_growing_past_a_full_page_is_read_to_its_end(
    make_world: MakeWorld,
) -> None:
    world = await make_world(customers=1000)
    process = await world.process()
    account = await connected(world, process)
    source = await process.service.source_for(account.id)

    assert await source.count(Kind.CLIENTS) == 1000
    for n in range(1000):  # a whole page more than counted: the probe page comes back full
        world.sim.company.add_customer(f"Newcomer {n:04d}")
    world.sim.company.add_customer("Last Of All")
    pages = await read(source, Kind.CLIENTS)

    names = [c.name for page in pages for c in page.candidates]
    assert len(names) == 2001
    assert names[-1] == "Last Of All"


async def test_items_map_with_exact_prices(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    world.sim.company.add_item("Precise Thing", UnitPrice=19.99)
    source = await process.service.source_for(account.id)
    client = await process.client_for(account.id)

    pages = await read(source, Kind.ITEMS)
    rows = await client.read_all("Item")

    items = {c.name: c for page in pages for c in page.candidates}
    assert items["Rock Fountain"].fields["unit_price"] == "275"
    assert items["Precise Thing"].fields["unit_price"] == "19.99"
    prices = [row["UnitPrice"] for row in rows if "UnitPrice" in row]
    assert prices
    assert all(isinstance(price, Decimal | int) for price in prices)
    assert Decimal("19.99") in prices
    assert len(items) == len(company_ids(world, "Item"))


@pytest.mark.parametrize(
    "name",
    [
        "O'Brien's Bakery",
        "Cutlery 'R Us",
        "Jeff’s Jalopies",
        "“Quoted” & Co",
        "Back\\slash Studio",
        "Trailing backslash\\",
        "Both \\' at once",
    ],
)
async def test_names_with_quotes_and_backslashes_query_back(
    make_world: MakeWorld, name: str
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    added = world.sim.company.add_customer(name)
    client = await process.client_for(account.id)

    found = await client.find("Customer", "DisplayName", name)

    assert [row["Id"] for row in found] == [added["Id"]]
    assert quote_literal(name) in statements(world)[-1]


@pytest.mark.parametrize(
    "fault",
    [
        f"throttle@start={page_start(2)}",
        f"throttle@start={page_start(2)}~retry-after=0",
        f"500@start={page_start(2)}",
        f"503@start={page_start(3)}",
        f"timeout=3@start={page_start(2)}",
        "expire@3",
    ],
)
async def test_a_read_survives_a_fault(make_world: MakeWorld, fault: str) -> None:
    world = await make_world(customers=2345)
    process = await world.process()
    account = await connected(world, process)
    source = await process.service.source_for(account.id)
    world.sim.inject(fault)

    pages = await read(source, Kind.CLIENTS)

    ids = [c.qbo_id for page in pages for c in page.candidates]
    assert ids == company_ids(world, "Customer")
    assert pages[-1].next_position is None


async def test_company_lists_and_recent_changes(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    client = await process.client_for(account.id)
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    added = world.sim.company.add_customer("Fresh Customer")

    changes = await client.changes(["Customer", "Item"], since)
    prefs = await client.preferences()
    tax_codes = await client.tax_codes()

    assert [row["Id"] for row in changes["Customer"]] == [added["Id"]]
    assert changes["Item"] == []
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
    expected = [row["Id"] for row in world.sim.company.lists["TaxCode"].rows if row.get("Active")]
    assert [row["Id"] for row in tax_codes] == expected


async def test_recent_changes_show_a_merged_away_record_as_a_deleted_stub(
    make_world: MakeWorld,
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    client = await process.client_for(account.id)
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    world.sim.company.merge("Item", "4", "3")

    changes = await client.changes(["Customer", "Item"], since)

    stub, survivor = changes["Item"]
    assert (stub["Id"], stub["status"]) == ("4", "Deleted")
    assert "Name" not in stub
    assert (survivor["Id"], survivor["Name"]) == ("3", "Concrete")
    assert changes["Customer"] == []
