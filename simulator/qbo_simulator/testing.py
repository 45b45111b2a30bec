"""Helpers for testing against the simulator: a running simulator as a pytest fixture, a tiny
authorised QBO caller, and a simulator served from a thread for synchronous clients.

Import `qbo_simulator` (the fixture) into a conftest, or list this module in `pytest_plugins`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from qbo_simulator import Simulator, SimulatorConfig, launch


@pytest.fixture
async def qbo_simulator() -> AsyncIterator[Simulator]:
    """Serve the sandbox seed company (29 customers, 18 items) with no latency on 127.0.0.1."""
    async with Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim:
        yield sim


@dataclass
class Api:
    """A tiny QBO caller over aiohttp, holding one access token."""

    sim: Simulator
    session: aiohttp.ClientSession
    token: str

    @property
    def company(self) -> str:
        return f"{self.sim.api_base}/company/{self.sim.realm_id}"

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}

    async def query(self, statement: str, *, post: bool = False) -> tuple[int, Any]:
        """Run a statement by GET ?query= (or POST application/text); return status and JSON."""
        params = {"minorversion": "75"}
        if post:
            request = self.session.post(
                f"{self.company}/query",
                params=params,
                data=statement.encode(),
                headers={**self.headers(), "Content-Type": "application/text"},
            )
        else:
            request = self.session.get(
                f"{self.company}/query",
                params={**params, "query": statement},
                headers=self.headers(),
            )
        async with request as response:
            return response.status, await body_of(response)

    async def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        """GET a path below the company URL."""
        async with self.session.get(f"{self.company}/{path}", headers=self.headers(token)) as resp:
            return resp.status, await body_of(resp)

    async def post(
        self, path: str, body: Any, params: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """POST a JSON body below the company URL."""
        async with self.session.post(
            f"{self.company}/{path}", json=body, params=params or {}, headers=self.headers()
        ) as response:
            return response.status, await body_of(response)


async def body_of(response: aiohttp.ClientResponse) -> Any:
    """Decode JSON answers; keep XML and HTML ones (429, 5xx) as text, as a client must."""
    if response.content_type == "application/json":
        return await response.json()
    return await response.text()


@contextmanager
def simulator_in_thread(config: SimulatorConfig) -> Iterator[Simulator]:
    """Serve a simulator from a background thread, for synchronous third-party clients."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        sim = asyncio.run_coroutine_threadsafe(launch(config), loop).result(timeout=30)
        try:
            yield sim
        finally:
            asyncio.run_coroutine_threadsafe(sim.close(), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


async def cdc(api: Api, entities: str, since: str) -> tuple[int, Any]:
    async with api.session.get(
        f"{api.company}/cdc",
        params={"entities": entities, "changedSince": since},
        headers=api.headers(),
    ) as response:
        return response.status, await response.json()
