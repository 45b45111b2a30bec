"""Per-realm limits: more than max_in_flight concurrent requests, or too many a minute, get 429."""

from __future__ import annotations

import asyncio

import aiohttp
from qbo_simulator import Simulator, SimulatorConfig
from qbo_simulator.testing import Api, body_of


async def test_more_than_ten_concurrent_requests_get_xml_429(
    session: aiohttp.ClientSession,
) -> None:
    # Latency keeps the first ten in flight while the others arrive.
    async with Simulator.start(SimulatorConfig(latency_ms=300, throttle_retry_after=60)) as sim:
        api = Api(sim, session, str(sim.issue_tokens()["access_token"]))

        async def one() -> tuple[int, str, str | None]:
            async with session.get(f"{api.company}/customer/1", headers=api.headers()) as resp:
                return resp.status, await resp.text(), resp.headers.get("Retry-After")

        results = await asyncio.gather(*(one() for _ in range(16)))
    statuses = sorted(status for status, _, _ in results)
    refused = [(text, after) for status, text, after in results if status == 429]
    assert statuses.count(200) == 10
    assert statuses.count(429) == 6
    assert all('<Fault type="SERVICE">' in text for text, _ in refused)
    assert {after for _, after in refused} == {"60"}


async def test_the_most_requests_in_flight_at_once_are_recorded(
    session: aiohttp.ClientSession,
) -> None:
    async with Simulator.start(SimulatorConfig(latency_ms=200, max_in_flight=50)) as sim:
        api = Api(sim, session, str(sim.issue_tokens()["access_token"]))
        before = sim.throttle.peak_in_flight(sim.realm_id)
        await asyncio.gather(*(api.get("customer/1") for _ in range(12)))
        await api.get("customer/1")  # one at a time: the peak stays
    assert before == 0
    assert sim.throttle.peak_in_flight(sim.realm_id) == 12


async def test_per_minute_budget_then_429_without_retry_after(
    session: aiohttp.ClientSession,
) -> None:
    async with Simulator.start(SimulatorConfig(per_minute=5)) as sim:
        api = Api(sim, session, str(sim.issue_tokens()["access_token"]))
        statuses = []
        for _ in range(7):
            async with session.get(f"{api.company}/customer/1", headers=api.headers()) as resp:
                statuses.append(resp.status)
                headers = resp.headers
                body = await body_of(resp)
    assert statuses == [200] * 5 + [429] * 2
    assert "Retry-After" not in headers
    assert "ThrottleExceeded" in body
