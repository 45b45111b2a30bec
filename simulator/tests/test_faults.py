"""Injected faults: the grammar, and what a client sees when each fires."""

from __future__ import annotations

import json

import aiohttp
import pytest
from qbo_simulator import Fault, FaultSpecError, Simulator, parse_faults
from qbo_simulator.testing import Api


def test_grammar_round_trips() -> None:
    text = (
        "throttle@3,throttle@start=1001~always~retry-after=2,503@start=201,timeout=10@4,"
        "expire@50,invalid_grant,badbody=null@start=991~always"
    )
    faults = parse_faults(text)
    assert faults[1] == Fault("throttle", start=1001, always=True, retry_after=2)
    assert faults[3] == Fault("timeout", nth=4, seconds=10)
    assert faults[6] == Fault("badbody", start=991, always=True, body="null")
    assert ",".join(str(f) for f in faults) == text


@pytest.mark.parametrize(
    "bad",
    ["explode@1", "throttle", "throttle@x", "500@1~sometimes", "badbody@1", "badbody=xml@1"],
)
def test_grammar_refusals(bad: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_faults(bad)


async def test_throttle_on_the_nth_request_is_xml_429_once(
    api: Api, qbo_simulator: Simulator
) -> None:
    qbo_simulator.inject("throttle@2~retry-after=7")
    first, _ = await api.get("customer/1")
    async with api.session.get(f"{api.company}/customer/1", headers=api.headers()) as response:
        text = await response.text()
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
    third, _ = await api.get("customer/1")
    assert (first, third) == (200, 200)
    assert '<Error code="3001">' in text
    assert "ThrottleExceeded" in text


async def test_server_errors_on_a_startposition(api: Api, qbo_simulator: Simulator) -> None:
    qbo_simulator.inject("503@start=11,500@start=21")
    statuses = [
        (await api.query(f"SELECT * FROM Customer STARTPOSITION {s} MAXRESULTS 10"))[0]
        for s in (1, 11, 21, 11)
    ]
    assert statuses == [200, 503, 500, 200]


async def test_expire_fault_gives_401_mid_import(api: Api, qbo_simulator: Simulator) -> None:
    qbo_simulator.inject("expire@3")
    statuses = [(await api.get("customer/1"))[0] for _ in range(3)]
    assert statuses == [200, 200, 401]


async def test_invalid_grant_on_next_refresh_only(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    tokens = qbo_simulator.issue_tokens()
    qbo_simulator.inject("invalid_grant")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": qbo_simulator.client_id,
        "client_secret": qbo_simulator.client_secret,
    }
    outcomes = []
    for _ in range(2):
        async with session.post(qbo_simulator.token_url, data=form) as response:
            outcomes.append(response.status)
    assert outcomes == [400, 200]


async def test_admin_api_arms_lists_and_clears_faults(
    api: Api, qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    admin = f"{qbo_simulator.base_url}/_simulator"
    async with session.post(f"{admin}/faults", json={"faults": "throttle@1"}) as armed:
        assert (await armed.json())["faults"] == ["throttle@1"]
    throttled, _ = await api.get("customer/1")
    async with session.post(f"{admin}/faults", data="500@1~always") as again:
        assert again.status == 200
    async with session.delete(f"{admin}/faults") as cleared:
        assert (await cleared.json())["faults"] == []
    async with session.post(f"{admin}/faults", data="nonsense@1") as refused:
        assert refused.status == 400
    ok, _ = await api.get("customer/1")
    async with session.get(f"{admin}/requests") as log:
        seen = [(r["path"].rsplit("/", 1)[-1], r["status"]) for r in (await log.json())["requests"]]
    assert (throttled, ok) == (429, 200)
    assert seen == [("1", 429), ("1", 200)]


@pytest.mark.parametrize(
    ("body", "unreadable"),
    [
        ("text", "<html>"),
        ("truncated", '{"QueryResponse":{"Customer":['),
        ("null", '{"QueryResponse":null,'),
        ("list", '{"QueryResponse":[],'),
    ],
)
async def test_a_bad_body_is_a_200_no_client_can_read(
    api: Api, qbo_simulator: Simulator, body: str, unreadable: str
) -> None:
    qbo_simulator.inject(f"badbody={body}@start=11")
    statement = "SELECT * FROM Customer STARTPOSITION 11 MAXRESULTS 10"
    headers = api.headers()
    async with api.session.get(
        f"{api.company}/query", params={"query": statement}, headers=headers
    ) as response:
        text = await response.text()
        assert response.status == 200
    status, again = await api.query(statement)
    assert text.startswith(unreadable)
    if body == "truncated":
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
    assert status == 200
    assert len(again["QueryResponse"]["Customer"]) == 10  # the fault fired once
