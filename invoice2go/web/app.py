"""The one app factory: services opened and closed with the app, routes, and (for a one-machine
deployment) a worker in the same process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from importer.ports.clock import Clock, utcnow
from importer.services.log_context import REQUEST_ID
from importer.services.webhooks import MAX_BODY_BYTES
from invoice2go.bootstrap import QboTuning, Services, open_services, slack_config
from invoice2go.settings import Settings
from invoice2go.web import health, qbo_routes, slack_routes

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)
# SIGTERM gives a process 30 s on Heroku: the worker hands its job back well within that,
# counted from the moment the shutdown begins (it is told first, before open requests end).
WORKER_SHUTDOWN_SECONDS = 25.0
# Open requests get this long to finish, then are cancelled (aiohttp waits as long again for
# them to end), so a request waiting on QuickBooks cannot hold the shutdown past the worker's.
WEB_SHUTDOWN_SECONDS = 5.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id (the caller's X-Request-Id or a new one) and log its outcome."""
    request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
    token = REQUEST_ID.set(request_id[:64])
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
        raise
    finally:
        REQUEST_ID.reset(token)
    response.headers["X-Request-Id"] = request_id[:64]
    log.debug(
        "%s %s -> %s in %.1f ms",
        request.method,
        request.path,
        response.status,
        (time.perf_counter() - started) * 1000,
    )
    return response


def create_app(
    settings: Settings,
    *,
    worker: bool = False,
    migrate: bool = False,
    clock: Clock = utcnow,
    tuning: QboTuning | None = None,
) -> web.Application:
    """Build the web application; with worker=True it also carries out import jobs."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[request_context])

    async def services(app: web.Application) -> AsyncIterator[None]:
        slack_config(settings)  # a missing Slack setting stops start-up before anything opens
        async with open_services(settings, migrate=migrate, clock=clock, tuning=tuning) as opened:
            app[SERVICES] = opened
            yield

    app.cleanup_ctx.append(services)
    if worker:
        app[WORKER] = _WorkerStop()
        app.cleanup_ctx.append(_worker)
        app.on_shutdown.append(_stop_worker)
    health.register(app, SERVICES)
    qbo_routes.register(app, SERVICES)
    slack_routes.register(app, SERVICES)
    return app


@dataclass
class _WorkerStop:
    """The in-process worker's stop signal and when it must have stopped."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = math.inf

    def now(self) -> None:
        if not self.event.is_set():
            self.event.set()
            self.deadline = time.monotonic() + WORKER_SHUTDOWN_SECONDS


WORKER = web.AppKey("worker", _WorkerStop)


async def _stop_worker(app: web.Application) -> None:
    """Tell the worker to stop as the shutdown begins: it takes no new job from now on and hands
    its job back while open requests finish (cleanup_ctx runs only after they have)."""
    app[WORKER].now()


async def _worker(app: web.Application) -> AsyncIterator[None]:
    """Run a worker beside the web routes; on shutdown it hands its job back."""
    stop = app[WORKER]
    task = asyncio.ensure_future(app[SERVICES].worker().run(stop.event))
    yield
    stop.now()
    left = max(0.0, stop.deadline - time.monotonic())
    try:
        await asyncio.wait_for(asyncio.shield(task), left)
    except TimeoutError:
        log.error("the worker did not stop in %.0f s; cancelling it", WORKER_SHUTDOWN_SECONDS)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
