"""The batch endpoint over HTTP: per-item answers, the payload limit and the throttles."""

from __future__ import annotations

from typing import Any

import aiohttp
from qbo_simulator import Simulator, SimulatorConfig
from qbo_simulator.testing import Api


def by_bid(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {answer["bId"]: answer for answer in body["BatchItemResponse"]}


async def test_batch_answers_each_item_and_one_failure_spares_the_others(api: Api) -> None:
    _, item = await api.get("item/5")
    status, body = await api.post(
        "batch",
        {
            "BatchItemRequest": [
                {"bId": "new", "operation": "create", "Customer": {"DisplayName": "Ñandú Farms"}},
                {"bId": "dup", "operation": "create", "Customer": {"DisplayName": "Cool Cars"}},
                {
                    "bId": "price",
                    "operation": "update",
                    "Item": {
                        "Id": "5",
                        "SyncToken": item["Item"]["SyncToken"],
                        "sparse": True,
                        "UnitPrice": 300,
                    },
                },
                {"bId": "del", "operation": "delete", "Customer": {"Id": "1", "SyncToken": "0"}},
                {"bId": "q", "Query": "SELECT * FROM Customer WHERE DisplayName LIKE 'Ñandú%'"},
                {"bId": "count", "Query": "SELECT COUNT(*) FROM Item"},
                {"bId": "bad", "Query": "SELECT * FROM Customer WHERE"},
            ]
        },
    )
    answers = by_bid(body)
    _, later = await api.query("SELECT * FROM Customer WHERE DisplayName = 'Ñandú Farms'")

    assert status == 200
    assert list(answers) == ["new", "dup", "price", "del", "q", "count", "bad"]
    assert answers["new"]["Customer"]["Id"] == "30"
    assert answers["dup"]["Fault"]["Error"][0]["code"] == "6240"
    assert (answers["price"]["Item"]["UnitPrice"], answers["price"]["Item"]["Name"]) == (
        300,
        "Rock Fountain",
    )
    assert answers["del"]["Fault"]["Error"][0]["code"] == "500"
    # Items run in order: the query sees the customer created before it.
    assert [c["Id"] for c in answers["q"]["QueryResponse"]["Customer"]] == ["30"]
    assert answers["count"]["QueryResponse"] == {"totalCount": 18}
    assert answers["bad"]["Fault"]["Error"][0]["code"] == "4000"
    assert [c["Id"] for c in later["QueryResponse"]["Customer"]] == ["30"]
    assert isinstance(body["time"], str)


async def test_batch_over_the_payload_limit_is_refused_whole(
    session: aiohttp.ClientSession,
) -> None:
    async with Simulator.start(SimulatorConfig(batch_max_items=2)) as sim:
        api = Api(sim, session, str(sim.issue_tokens()["access_token"]))
        creates = [
            {"bId": str(n), "operation": "create", "Item": {"Name": f"Bag {n}", "Type": "Category"}}
            for n in range(3)
        ]
        refused, body = await api.post("batch", {"BatchItemRequest": creates})
        accepted, _ = await api.post("batch", {"BatchItemRequest": creates[:2]})
    assert refused == 400
    (error,) = body["Fault"]["Error"]
    assert "at most 2" in error["Detail"]
    assert accepted == 200
    assert [r["Name"] for r in sim.company.lists["Item"].rows[18:]] == ["Bag 0", "Bag 1"]


async def test_batch_refuses_a_body_that_is_not_a_batch(api: Api) -> None:
    status, body = await api.post("batch", {"Customer": {"DisplayName": "Loose"}})
    assert status == 400
    assert body["Fault"]["Error"][0]["code"] == "2310"


async def test_a_batch_counts_once_for_the_request_limit(session: aiohttp.ClientSession) -> None:
    async with Simulator.start(SimulatorConfig(per_minute=2)) as sim:
        api = Api(sim, session, str(sim.issue_tokens()["access_token"]))
        queries = [{"bId": str(n), "Query": "SELECT * FROM Item"} for n in range(5)]
        batched, _ = await api.post("batch", {"BatchItemRequest": queries})
        single, _ = await api.get("item/1")
        over, _ = await api.get("item/1")
    assert (batched, single, over) == (200, 200, 429)


async def test_batches_have_their_own_limit_per_minute(session: aiohttp.ClientSession) -> None:
    async with Simulator.start(SimulatorConfig(batch_per_minute=1)) as sim:
        api = Api(sim, session, str(sim.issue_tokens()["access_token"]))
        request = {"BatchItemRequest": [{"bId": "1", "Query": "SELECT * FROM Item"}]}
        first, _ = await api.post("batch", request)
        second, throttled = await api.post("batch", request)
        plain, _ = await api.get("item/1")
    assert (first, second, plain) == (200, 429, 200)
    assert "ThrottleExceeded" in throttled
