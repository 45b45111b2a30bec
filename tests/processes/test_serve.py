"""`invoice2go serve` as a real process: SIGTERM stops it within Heroku's 30 seconds, its
in-process worker hands its job back and takes no new one, whatever requests are still open."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket

import aiohttp

from importer.domain.jobs import JobStatus
from importer.domain.model import Kind
from tests.processes.conftest import Deployment, eventually

HEROKU_GRACE_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_sigterm_stops_serve_in_time_with_the_job_handed_back(
    deployment: Deployment,
) -> None:
    port = free_port()
    deployment.env["PORT"] = str(port)
    deployment.env["QBO_REDIRECT_URI"] = f"http://127.0.0.1:{port}/quickbooks/callback"
    account = await deployment.connected_account("Acme")
    other = await deployment.connected_account("Bolt")
    job = await deployment.queue(account, (Kind.CLIENTS, Kind.ITEMS))
    async with deployment.services() as services:
        newcomer = await services.accounts.create("Cobb")
        link = await services.connections.sign_in_link(newcomer, user="test", locale="en")
    serve = await deployment.start("serve", "--host", "127.0.0.1", log_name="serve")
    await deployment.started("serve", "listening on")
    await deployment.wait_for(job.id, until=JobStatus.RUNNING)

    async with aiohttp.ClientSession() as browser:
        # The sign-in's callback reaches QuickBooks, which never answers from now on (nor
        # answers the worker): an open request and a job in hand when SIGTERM comes.
        async with browser.get(link, allow_redirects=False) as to_intuit:
            consent = to_intuit.headers["Location"]
        async with browser.get(consent, allow_redirects=False) as back:
            callback = back.headers["Location"]
        deployment.sim.inject("hang@*")
        opened = asyncio.ensure_future(browser.get(callback))

        async def exchanged() -> bool | None:
            return "authorization_code" in deployment.sim.oauth_requests or None

        try:
            await eventually(exchanged, 30)
            serve.send_signal(signal.SIGTERM)
            later = await deployment.queue(other, (Kind.ITEMS,))

            code = await asyncio.wait_for(serve.wait(), HEROKU_GRACE_SECONDS)
        finally:
            opened.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                (await opened).close()

    assert code == 0
    handed_back = await deployment.job(job.id)
    assert handed_back.status is JobStatus.QUEUED
    assert "goes back to the queue" in deployment.log("serve")
    untouched = await deployment.job(later.id)
    assert (untouched.status, untouched.attempts) == (JobStatus.QUEUED, 0)
