"""Change Data Capture over HTTP."""

from __future__ import annotations

from qbo_simulator import Simulator, SimulatorConfig
from qbo_simulator.testing import Api, ago, cdc


async def test_cdc_returns_changes_since_including_inactive(
    api: Api, qbo_simulator: Simulator
) -> None:
    since = ago(1)
    qbo_simulator.company.deactivate("Customer", "5")
    qbo_simulator.company.add_item("Mulch")
    status, body = await cdc(api, "Customer,Item,Account", since)
    (changes,) = body["CDCResponse"]
    customers, items, accounts = changes["QueryResponse"]
    assert status == 200
    assert [(c["Id"], c["Active"]) for c in customers["Customer"]] == [("5", False)]
    assert [i["Name"] for i in items["Item"]] == ["Mulch"]
    assert accounts == {}
    assert isinstance(body["time"], str)


async def test_cdc_older_than_30_days_is_refused(api: Api) -> None:
    status, body = await cdc(api, "Customer", ago(31))
    assert status == 400
    assert "Fault" in body


async def test_cdc_caps_at_1000_objects_across_entities(api: Api) -> None:
    async with Simulator.start(SimulatorConfig(customers=20000, items=600)) as sim:
        token = sim.issue_tokens()["access_token"]
        big = Api(sim, api.session, str(token))
        status, body = await cdc(big, "Item,Customer", ago(29.9))
    (changes,) = body["CDCResponse"]
    sizes = [len(next(iter(part.values()))) if part else 0 for part in changes["QueryResponse"]]
    assert status == 200
    assert sum(sizes) == 1000
    assert sizes[0] > 0
