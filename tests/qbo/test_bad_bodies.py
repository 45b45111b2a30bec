"""Bodies QuickBooks should never send: asked again like a server error, then one clear sentence;
and a price no money can hold skips its item for its price."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from i18n import explain
from importer.domain.errors import ServerError
from importer.domain.model import Kind, SkipReason
from importer.domain.rules import precheck
from importer.domain.runs import RunStatus
from importer.services.engine import ImportEngine
from qbo.client import QboClient
from qbo.mapping import item_from_qbo
from qbo.schema import decode_items
from qbo.source import page_start
from tests.qbo.conftest import PATIENT_RETRY, MakeWorld, Process, World, connected

BAD_BODIES = ["text", "truncated", "null", "list"]


def asked_at(world: World, start: int) -> int:
    """Return how many page queries the simulator received for one STARTPOSITION."""
    return sum(
        1
        for r in world.sim.requests
        if r.statement is not None and f" STARTPOSITION {start} " in r.statement
    )


async def stored(process: Process, account_id: str, kind: Kind) -> list[tuple[str, str | None]]:
    records = await process.store.list_records(account_id, kind, limit=10_000)
    return [(r.name, r.qbo_id) for r in records]


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_a_page_answered_once_with_a_bad_body_is_asked_again(
    make_world: MakeWorld, body: str
) -> None:
    world = await make_world(customers=2345)
    process = await world.process(retry=PATIENT_RETRY)
    calm = await connected(world, process, "Calm")
    stormy = await connected(world, process, "Stormy")
    engine = ImportEngine(process.store)

    expected = await engine.run(calm.id, Kind.CLIENTS, await process.service.source_for(calm.id))
    world.sim.requests.clear()
    world.sim.inject(f"badbody={body}@start={page_start(2)}")
    run = await engine.run(stormy.id, Kind.CLIENTS, await process.service.source_for(stormy.id))

    assert run.status is RunStatus.SUCCEEDED
    assert run.counts.as_dict() == expected.counts.as_dict()
    assert await stored(process, stormy.id, Kind.CLIENTS) == await stored(
        process, calm.id, Kind.CLIENTS
    )
    assert world.sim.faults.active() == []  # the bad body was served…
    assert asked_at(world, page_start(2)) == 2  # …and the page asked for again


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_a_page_that_stays_unreadable_fails_the_import_with_one_sentence(
    make_world: MakeWorld, body: str
) -> None:
    world = await make_world(customers=2345)
    process = await world.process(retry=PATIENT_RETRY)
    account = await connected(world, process)
    world.sim.inject(f"badbody={body}@start={page_start(2)}~always")

    with pytest.raises(ServerError) as failed:
        await ImportEngine(process.store).run(
            account.id, Kind.CLIENTS, await process.service.source_for(account.id)
        )

    message = str(failed.value)
    assert message.startswith("QuickBooks sent an answer that could not be read while reading")
    assert "intuit_tid" in message
    assert "\n" not in message
    [run] = await process.store.list_runs(account.id)
    assert run.status is RunStatus.FAILED
    assert run.error == message
    assert asked_at(world, page_start(2)) == PATIENT_RETRY.attempts


Call = Callable[[QboClient], Awaitable[Any]]
CALLS: dict[str, tuple[Call, Callable[[Any], bool]]] = {
    "count": (lambda c: c.count("Customer"), lambda answer: answer == 29),
    "company": (lambda c: c.company_info(), lambda answer: answer["CompanyName"] != ""),
    "changes": (
        lambda c: c.changes(
            ["Customer"], (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
        ),
        lambda answer: answer == {"Customer": []},
    ),
    "accounts": (lambda c: c.income_accounts(), lambda answer: len(answer) > 0),
}


@pytest.mark.parametrize("body", ["text", "null"])
@pytest.mark.parametrize("call", sorted(CALLS))
async def test_other_answers_with_a_bad_body_are_asked_again_then_fail_clearly(
    make_world: MakeWorld, call: str, body: str
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    client = await process.client_for(account.id)
    ask, good = CALLS[call]

    world.sim.inject(f"badbody={body}@1")
    assert good(await ask(client))
    world.sim.inject(f"badbody={body}@1~always")
    with pytest.raises(ServerError, match=r"^QuickBooks sent an answer that could not be read"):
        await ask(client)


async def test_items_priced_beyond_what_money_holds_are_skipped_for_their_price(
    make_world: MakeWorld,
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    prices = {
        "Infinite Widget": Decimal("1e999999"),
        "Sixteen Digit Gadget": Decimal("1234567890123456"),
        "Vanishing Gizmo": Decimal("1e-999999"),
        "Largest Fine Thing": Decimal("999999999999999.99"),
        "Exact Thing": Decimal("0.1000000000000000055511151231257827"),
    }
    for name, price in prices.items():
        world.sim.company.add_item(name, UnitPrice=price)

    run = await ImportEngine(process.store).run(
        account.id, Kind.ITEMS, await process.service.source_for(account.id)
    )

    assert run.status is RunStatus.SUCCEEDED
    skipped = {s.name: s.reason for s in await process.store.skipped_entries(run.id)}
    assert skipped["Infinite Widget"] is SkipReason.INVALID_PRICE
    assert skipped["Sixteen Digit Gadget"] is SkipReason.INVALID_PRICE
    assert skipped["Vanishing Gizmo"] is SkipReason.INVALID_PRICE
    records = {r.name: r for r in await process.store.list_records(account.id, Kind.ITEMS)}
    assert records["Largest Fine Thing"].unit_price == prices["Largest Fine Thing"]
    assert records["Exact Thing"].fields["unit_price"] == "0.1000000000000000055511151231257827"
    assert run.counts.skipped[SkipReason.INVALID_PRICE.value] == 3
    assert SkipReason.INVALID.value not in run.counts.skipped  # no bad name among them


def test_a_price_no_decimal_can_hold_spoils_only_its_own_item() -> None:
    body = (
        b'{"QueryResponse":{"Item":['
        b'{"Id":"5","Name":"Rock Fountain","UnitPrice":275,"Type":"Inventory"},'
        b'{"Id":"6","Name":"Beyond Decimal","UnitPrice":1e99999999999999999999999999},'
        b'{"Id":"7","Name":"Sprinkler Pipes","UnitPrice":4},'
        b'{"Id":"8","Name":"Priced In Words","UnitPrice":"twelve"}'
        b"]}}"
    )
    candidates = [item_from_qbo(item) for item in decode_items(body)]
    reasons = [precheck(Kind.ITEMS, candidate) for candidate in candidates]
    assert [c.name for c in candidates] == [
        "Rock Fountain",
        "Beyond Decimal",
        "Sprinkler Pipes",
        "Priced In Words",
    ]
    assert reasons == [None, SkipReason.INVALID_PRICE, None, SkipReason.INVALID_PRICE]
    assert candidates[0].fields["unit_price"] == "275"


@pytest.mark.parametrize(
    ("body", "problem"),
    [("text", "no es JSON"), ("null", "QueryResponse no es un objeto")],
)
async def test_an_unreadable_count_is_told_in_the_readers_language(
    make_world: MakeWorld, body: str, problem: str
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    client = await process.client_for(account.id)
    world.sim.inject(f"badbody={body}@1~always")

    with pytest.raises(ServerError) as failed:
        await client.count("Customer")

    spanish = explain(failed.value, "es")
    assert spanish.startswith(
        f"QuickBooks envió una respuesta que no se pudo leer al contar los registros ({problem})"
    ), spanish
    assert str(failed.value).startswith(
        "QuickBooks sent an answer that could not be read while counting records ("
    )
