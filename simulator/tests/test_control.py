"""Steering a simulator: slow and hanging answers, rotation settings, the control API."""

from __future__ import annotations

import aiohttp
import pytest
from qbo_simulator import Simulator, SimulatorConfig, describe
from qbo_simulator.testing import Api
from qbo_simulator.tokens import TokenBook


async def test_timeout_fault_answers_late_and_hang_never_answers(
    api: Api, qbo_simulator: Simulator
) -> None:
    qbo_simulator.inject("timeout=0.05@1,hang@start=21")
    late, body = await api.get("customer/1")
    with pytest.raises(TimeoutError):
        async with api.session.get(
            f"{api.company}/query",
            params={"query": "SELECT * FROM Customer STARTPOSITION 21"},
            headers=api.headers(),
            timeout=aiohttp.ClientTimeout(total=0.3),
        ):
            pass
    assert (late, body["Customer"]["Id"]) == (200, "1")


def rotation_book(config: SimulatorConfig) -> tuple[TokenBook, list[float]]:
    now = [1_000_000.0]
    return TokenBook(config, clock=lambda: now[0]), now


def test_old_refresh_token_works_during_grace_then_fails() -> None:
    book, now = rotation_book(SimulatorConfig(rotate_refresh_after=1, refresh_grace=60))
    first = book.issue("1")["refresh_token"]
    rotated = book.use_refresh(first)
    now[0] += 30
    during = book.use_refresh(first)
    now[0] += 31
    after = book.use_refresh(first)
    assert rotated is not None
    assert rotated["refresh_token"] != first
    assert during is not None
    assert during["refresh_token"] == rotated["refresh_token"]
    assert after is None


def test_refresh_token_rotates_by_age() -> None:
    book, now = rotation_book(SimulatorConfig(rotate_refresh_seconds=86400))
    first = book.issue("1")["refresh_token"]
    same = book.use_refresh(first)
    now[0] += 86400
    rotated = book.use_refresh(first)
    assert same is not None
    assert same["refresh_token"] == first
    assert rotated is not None
    assert rotated["refresh_token"] != first
    assert rotated["x_refresh_token_expires_in"] == 8726400


async def test_control_api_adds_records_issues_tokens_and_expires_them(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    admin = f"{qbo_simulator.base_url}/_simulator"
    async with session.post(f"{admin}/company/customer", json={"DisplayName": "Ñandú Farms"}) as r:
        added = (await r.json())["Customer"]
    async with session.post(f"{admin}/company/customer/{added['Id']}", json={"Active": False}):
        pass
    async with session.post(f"{admin}/tokens") as r:
        token = (await r.json())["access_token"]
    api = Api(qbo_simulator, session, token)
    status, body = await api.get(f"customer/{added['Id']}")
    async with session.post(f"{admin}/expire-access-tokens"):
        pass
    expired, _ = await api.get("customer/1")
    assert (status, body["Customer"]["Active"], body["Customer"]["SyncToken"]) == (200, False, "1")
    assert expired == 401


def test_describe_names_what_a_person_needs(qbo_simulator: Simulator) -> None:
    text = "\n".join(describe(qbo_simulator))
    for needed in (
        qbo_simulator.base_url,
        qbo_simulator.realm_id,
        qbo_simulator.client_id,
        qbo_simulator.client_secret,
        "throttle@3",
    ):
        assert needed in text


async def test_the_control_api_address_it_prints_lists_its_routes(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    printed = next(line for line in describe(qbo_simulator) if "Control API" in line)
    address = printed.split()[2]
    async with session.get(address) as response:
        status, body = response.status, await response.json()
    assert status == 200
    assert "POST /_simulator/faults" in body["routes"]
    assert "GET /_simulator/" not in body["routes"]
