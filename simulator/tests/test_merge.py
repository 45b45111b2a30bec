"""Merging two customers or items: the merged-away record is deleted, and CDC shows a stub."""

from __future__ import annotations

from typing import Any

import aiohttp
from qbo_simulator import Simulator, SimulatorConfig, WebhookEvent
from qbo_simulator.testing import Api, ago, cdc
from qbo_simulator.webhooks import classic_body


async def merge(
    sim: Simulator, session: aiohttp.ClientSession, path: str, into: str
) -> tuple[int, Any]:
    url = f"{sim.base_url}/_simulator/company/{path}/merge"
    async with session.post(url, json={"into": into}) as response:
        return response.status, await response.json()


async def test_merged_customer_disappears_and_cdc_shows_a_stub(
    api: Api, qbo_simulator: Simulator
) -> None:
    since = ago(1)
    qbo_simulator.company.update("Customer", "29", Balance=150)
    status, merged = await merge(qbo_simulator, api.session, "customer/29", "28")
    read, fault = await api.get("customer/29")
    _, listed = await api.query("SELECT * FROM Customer WHERE Active IN (true, false)")
    _, body = await cdc(api, "Customer", since)
    added = qbo_simulator.company.add_customer("Someone New")

    assert status == 200
    assert merged["Customer"]["Id"] == "28"
    assert merged["Customer"]["Balance"] == 150
    assert (read, fault["Fault"]["Error"][0]["code"]) == (400, "610")
    assert "29" not in [c["Id"] for c in listed["QueryResponse"]["Customer"]]
    (changes,) = body["CDCResponse"]
    (customers,) = changes["QueryResponse"]
    stub = next(c for c in customers["Customer"] if c["Id"] == "29")
    assert set(stub) == {"Id", "status", "domain", "MetaData"}
    assert (stub["status"], stub["domain"]) == ("Deleted", "QBO")
    assert stub["MetaData"]["LastUpdatedTime"]
    assert "28" in [c["Id"] for c in customers["Customer"]]
    assert added["Id"] == "30"  # a deleted record's Id is never given out again


async def test_merge_answers_the_webhook_event_to_send(api: Api, qbo_simulator: Simulator) -> None:
    _, merged = await merge(qbo_simulator, api.session, "item/4", "3")
    (note,) = classic_body([WebhookEvent(**merged["event"])])["eventNotifications"]
    (entity,) = note["dataChangeEvent"]["entities"]
    assert (entity["name"], entity["id"], entity["operation"]) == ("Item", "3", "Merge")
    assert entity["deletedId"] == "4"


async def test_merge_refuses_unknown_ids_and_itself(api: Api, qbo_simulator: Simulator) -> None:
    unknown, _ = await merge(qbo_simulator, api.session, "customer/999", "1")
    itself, _ = await merge(qbo_simulator, api.session, "customer/1", "1")
    parent, refused = await merge(qbo_simulator, api.session, "customer/7", "1")
    assert (unknown, itself, parent) == (404, 400, 400)
    assert "sub-records" in refused["error"]


async def test_cdc_cap_counts_stubs(api: Api) -> None:
    async with Simulator.start(SimulatorConfig(customers=1500)) as sim:
        rows = sim.company.lists["Customer"].rows
        parents = {r["ParentRef"]["value"] for r in rows if "ParentRef" in r}
        leaves = [r["Id"] for r in rows[100:] if r["Id"] not in parents]
        for record_id in leaves[:1000]:
            sim.company.merge("Customer", record_id, "1")
        big = Api(sim, api.session, str(sim.issue_tokens()["access_token"]))
        status, body = await cdc(big, "Customer", ago(29.9))
    (changes,) = body["CDCResponse"]
    (customers,) = changes["QueryResponse"]
    stubs = [c for c in customers["Customer"] if c.get("status") == "Deleted"]
    assert status == 200
    assert len(customers["Customer"]) == 1000
    assert stubs
