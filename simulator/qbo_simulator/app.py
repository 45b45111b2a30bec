"""The simulator itself: one company, one Intuit app, served by aiohttp on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web

from qbo_simulator import admin, api, oauth
from qbo_simulator.config import SimulatorConfig
from qbo_simulator.envelopes import new_tid
from qbo_simulator.state import SimulatorState


class Simulator(SimulatorState):
    """A local stand-in for QuickBooks Online and Intuit OAuth, faithful enough for real clients."""

    def __init__(self, config: SimulatorConfig) -> None:
        super().__init__(config)
        self._runner: web.AppRunner | None = None

    # Serving ---------------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """Build the aiohttp application serving OAuth, the API and the control routes."""
        app = web.Application()
        app.on_response_prepare.append(_add_tid)
        app.add_routes([*oauth.routes(self), *api.routes(self), *admin.routes(self)])
        return app

    async def open(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on host:port (0 picks a free port) and set base_url."""
        self._runner = web.AppRunner(self.make_app(), shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @classmethod
    @asynccontextmanager
    async def start(
        cls, config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> AsyncIterator[Simulator]:
        """Serve a simulator for the duration of an `async with` block."""
        sim = cls(config or SimulatorConfig())
        await sim.open(host, port)
        try:
            yield sim
        finally:
            await sim.close()


async def _add_tid(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["intuit_tid"] = new_tid()


async def launch(
    config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Simulator:
    """Start a simulator and return it; the caller ends it with `await sim.close()`."""
    sim = Simulator(config or SimulatorConfig())
    await sim.open(host, port)
    return sim


async def serve_forever(
    config: SimulatorConfig | None = None,
    port: int = 0,
    host: str = "127.0.0.1",
    on_ready: Callable[[Simulator], None] | None = None,
) -> None:
    """Serve until cancelled, calling on_ready(sim) once listening (the CLI prints there)."""
    sim = await launch(config, host, port)
    try:
        if on_ready is not None:
            on_ready(sim)
        await asyncio.Event().wait()
    finally:
        await sim.close()
