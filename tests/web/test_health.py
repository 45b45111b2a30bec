"""Health and readiness, as a load balancer asks."""

from __future__ import annotations

from pathlib import Path

from qbo_simulator import Simulator

from invoice2go.web.app import create_app
from tests.web.conftest import AiohttpClient, Web, settings_for


async def test_a_migrated_store_is_ready(web_app: Web) -> None:
    alive = await web_app.client.get("/healthz")
    ready = await web_app.client.get("/readyz")

    assert (alive.status, await alive.json()) == (200, {"status": "ok"})
    assert (ready.status, await ready.json()) == (200, {"status": "ready"})
    assert alive.headers["X-Request-Id"]


async def test_a_store_behind_its_schema_is_not_ready(
    simulator: Simulator, tmp_path: Path, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(create_app(settings_for(simulator, tmp_path), migrate=False))

    alive = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert alive.status == 200
    assert ready.status == 503
    assert "run invoice2go migrate" in (await ready.json())["reason"]
