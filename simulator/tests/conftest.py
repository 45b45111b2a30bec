"""Fixtures of the simulator tests: a running simulator and an authorised HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from qbo_simulator import Simulator
from qbo_simulator.testing import Api, qbo_simulator

__all__ = ["qbo_simulator"]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def api(qbo_simulator: Simulator, session: aiohttp.ClientSession) -> Api:
    return Api(qbo_simulator, session, qbo_simulator.issue_tokens()["access_token"])
