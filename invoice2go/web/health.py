"""Health checks: /healthz (the process answers) and /readyz (the store answers, schema current)."""

from __future__ import annotations

from aiohttp import web

from importer.domain.errors import StoreError
from invoice2go.bootstrap import Services


def register(app: web.Application, services: web.AppKey[Services]) -> None:
    """Add the health routes."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        try:
            problem = await request.app[services].store.readiness()
        except StoreError as error:
            problem = str(error)
        if problem is not None:
            return web.json_response({"status": "unavailable", "reason": problem}, status=503)
        return web.json_response({"status": "ready"})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
