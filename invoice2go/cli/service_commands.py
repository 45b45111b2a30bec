"""The running service from the command line: `serve`, `worker`, `jobs list`, `accounts
autoimport`, `import --detach` and the browser sign-in link of `connect`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from importer.domain.jobs import Job
from importer.services.imports import KIND_WORDS
from invoice2go.bootstrap import Services, open_services
from invoice2go.settings import Settings
from invoice2go.web.app import create_app


def add_parsers(commands: Any) -> None:
    """Add the service's subcommands."""
    serve = commands.add_parser(
        "serve", help="run the web process (Slack, QuickBooks sign-in, webhooks, health)"
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT, 3000)")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run import jobs in this process (run `invoice2go worker` beside it)",
    )
    commands.add_parser("worker", help="run import jobs until stopped (SIGTERM hands back)")

    jobs = commands.add_parser("jobs", help="see queued, running and finished import jobs")
    actions = jobs.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="recent jobs, newest first")
    listing.add_argument("--account", help="only this account's jobs")
    listing.add_argument("--limit", type=int, default=20, help="how many (20)")
    listing.add_argument("--json", action="store_true", help="print JSON")


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for name in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(name, stop.set)


def _share_the_loop_with_imports() -> None:
    """Keep answering Slack within milliseconds while the in-process worker imports: its work
    (decoding pages, deciding batches, SQLite) runs in threads that share the GIL with the event
    loop (benchmarks/slack_ack.py measures the effect)."""
    # A thread that wants the GIL waits this long before the one holding it must let go: 1 ms,
    # not 5, so the event loop gets it back quickly after each wait for the network.
    sys.setswitchinterval(0.001)
    # asyncio.to_thread work (decoding pages, deciding batches) holds the GIL: more threads only
    # take turns with the event loop for it, and one thread does the same work as six.
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1, thread_name_prefix="import"))


def _freeze_start_up_objects() -> None:
    """Leave the objects made at start-up (modules, the Slack app, routes) out of full garbage
    collections: they live as long as the process, and an import's allocations set a full
    collection off about once a second, each stalling every thread for as long as it walks them."""
    gc.collect()
    gc.freeze()


async def serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve HTTP until SIGTERM or Ctrl-C; with the worker unless --no-worker."""
    if not args.no_worker:
        _share_the_loop_with_imports()
    app = create_app(settings, worker=not args.no_worker, migrate=True)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    if not args.no_worker:
        _freeze_start_up_objects()
    port = args.port or settings.port
    try:
        await web.TCPSite(runner, args.host, port).start()
        print(f"invoice2go: listening on http://{args.host}:{port}", flush=True)
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


async def worker(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out import jobs until SIGTERM or Ctrl-C; the job in hand goes back to the queue."""
    async with open_services(settings) as services:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await services.worker().run(stop)
    return 0


def job_json(job: Job, account: str | None = None) -> dict[str, Any]:
    """Return a job as `jobs list --json` prints it."""
    return {
        "id": job.id,
        "account_id": job.account_id,
        "account": account,
        "kinds": [kind.value for kind in job.kinds],
        "origin": job.origin.value,
        "status": job.status.value,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "started_at": None if job.started_at is None else job.started_at.isoformat(),
        "finished_at": None if job.finished_at is None else job.finished_at.isoformat(),
        "error": job.error,
        "progress": job.progress,
        "outcome": job.outcome,
    }


async def jobs(services: Services, args: argparse.Namespace) -> int:
    """List recent jobs."""
    account = None if args.account is None else await services.accounts.named(args.account)
    found = await services.jobs.recent(account, limit=max(0, args.limit))
    names = {a.id: a.name for a in await services.accounts.all()}
    if args.json:
        print(json.dumps([job_json(j, names.get(j.account_id)) for j in found], ensure_ascii=False))
        return 0
    if not found:
        print("No import jobs yet.")
    for job in found:
        kinds = "+".join(kind.value for kind in job.kinds)
        when = job.created_at.strftime("%Y-%m-%d %H:%M:%S")
        row = [job.id, names.get(job.account_id, job.account_id), kinds, job.status.value, when]
        row.append(job.origin.value)
        if job.error:
            row.append(job.error)
        print("\t".join(row))
    return 0


async def detach(services: Services, args: argparse.Namespace) -> int:
    """Queue an import for the workers and print its job id (R8: the active one if any)."""
    account = await services.accounts.named(args.account)
    request = await services.jobs.request(account, KIND_WORDS[args.what])
    if args.json:
        print(
            json.dumps(
                {**job_json(request.job, account.name), "already_active": request.already_active}
            )
        )
    elif request.already_active:
        print(f"An import of these kinds is already {request.job.status.value}: {request.job.id}")
    else:
        print(request.job.id)
    return 3 if request.already_active else 0


async def sign_in_link(services: Services, args: argparse.Namespace) -> int:
    """Print the browser sign-in link for an account."""
    account = await services.accounts.named(args.account)
    link = await services.connections.sign_in_link(account, user="command line", locale=args.locale)
    print(
        f"Open this link in a browser to connect {account.name} to QuickBooks (valid 10 minutes):"
    )
    print(link)
    return 0


async def autoimport(services: Services, args: argparse.Namespace) -> int:
    """Turn auto-import on or off for an account."""
    account = await services.accounts.named(args.name)
    changed = await services.accounts.set_auto_import(account, args.state == "on")
    state = "on" if changed.auto_import else "off"
    print(f"Auto-import is {state} for {account.name}.")
    return 0
