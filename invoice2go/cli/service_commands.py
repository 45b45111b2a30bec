"""The running service from the command line: `serve`, `worker`, `jobs list`, `accounts
autoimport`, `import --detach` and the browser sign-in link of `connect`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from i18n import _, translate
from importer.domain.errors import UserError
from importer.domain.inputs import checked_bound
from importer.domain.jobs import Job
from importer.domain.messages import N_
from importer.services.imports import KIND_WORDS
from importer.services.oauth_states import STATE_LIFETIME
from invoice2go.cli.argtypes import typed
from invoice2go.settings import Settings, checked_port

if TYPE_CHECKING:  # the store, HTTP and Slack stacks load only when a command runs
    from invoice2go.bootstrap import Services


def add_parsers(commands: Any, locale: str) -> None:
    """Add the service's subcommands."""
    serve = commands.add_parser(
        "serve",
        help=_("run the web process (Slack, QuickBooks sign-in, webhooks, health)", locale),
    )
    serve.add_argument(
        "--host", default="0.0.0.0", help=_("address to listen on (default 0.0.0.0)", locale)
    )
    serve.add_argument(
        "--port",
        type=port_number(locale),
        metavar="N",
        help=_("port to listen on (default: PORT, 3000)", locale),
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help=_(
            "do not run import jobs in this process (run `invoice2go worker` beside it)", locale
        ),
    )
    commands.add_parser(
        "worker", help=_("run import jobs until stopped (SIGTERM hands the job back)", locale)
    )

    jobs = commands.add_parser("jobs", help=_("see queued, running and finished imports", locale))
    actions = jobs.add_subparsers(dest="action", required=True, metavar=_("ACTION", locale))
    listing = actions.add_parser("list", help=_("recent import jobs, newest first", locale))
    listing.add_argument(
        "--account", metavar=_("NAME", locale), help=_("only this account's jobs", locale)
    )
    listing.add_argument(
        "--limit",
        type=typed(checked_bound, locale),
        default=20,
        metavar="N",
        help=_("how many (default 20)", locale),
    )
    listing.add_argument("--json", action="store_true", help=_("print JSON", locale))


def port_number(locale: str, *, any_free: bool = False) -> Callable[[str], int]:
    """Return an argparse type for a port to listen on, refusing one no socket can use."""
    return typed(lambda text: checked_port(int(text), any_free=any_free), locale, name="int")


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
    from aiohttp import web

    from invoice2go.web.app import WEB_SHUTDOWN_SECONDS, create_app

    if not args.no_worker:
        _share_the_loop_with_imports()
    app = create_app(settings, worker=not args.no_worker, migrate=True)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=WEB_SHUTDOWN_SECONDS
    )
    await runner.setup()
    if not args.no_worker:
        _freeze_start_up_objects()
    port = args.port or settings.port
    try:
        try:
            await web.TCPSite(runner, args.host, port).start()
        except OSError as error:
            raise UserError(
                N_("cannot listen on {host}:{port}: {problem}"),
                host=args.host,
                port=str(port),
                problem=error.strerror or str(error),
            ) from None
        print(
            _(
                "invoice2go: listening on http://{host}:{port}",
                args.locale,
                host=args.host,
                port=str(port),
            ),
            flush=True,
        )
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


async def worker(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out import jobs until SIGTERM or Ctrl-C; the job in hand goes back to the queue."""
    from invoice2go.bootstrap import open_services

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
        "error": None if job.error is None else str(job.error),
        "progress": job.progress,
        "outcome": job.outcome,
    }


async def jobs(services: Services, args: argparse.Namespace) -> int:
    """List recent jobs."""
    account = None if args.account is None else await services.accounts.named(args.account)
    found = await services.jobs.recent(account, limit=args.limit) if args.limit else []
    names = {a.id: a.name for a in await services.accounts.all()}
    if args.json:
        print(json.dumps([job_json(j, names.get(j.account_id)) for j in found], ensure_ascii=False))
        return 0
    if not found and args.limit:  # --limit 0 asks to see none: say nothing
        print(_("No import jobs yet.", args.locale))
    for job in found:
        kinds = "+".join(_(kind.noun, args.locale) for kind in job.kinds)
        when = job.created_at.strftime("%Y-%m-%d %H:%M:%S")
        row = [job.id, names.get(job.account_id, job.account_id), kinds]
        row += [_(job.status.word, args.locale), when, _(job.origin.word, args.locale)]
        if job.error:
            row.append(translate(job.error, args.locale))
        print("\t".join(row))
    return 0


async def detach(services: Services, args: argparse.Namespace) -> int:
    """Queue an import of the kinds no import holds (R8) and print its job id; say which kinds
    are already being imported. Exit 3 only when nothing could be queued."""
    account = await services.accounts.named(args.account)
    request = await services.jobs.request(account, KIND_WORDS[args.what])
    if args.json:
        data = {
            "queued": None if request.queued is None else job_json(request.queued, account.name),
            "active": [job_json(job, account.name) for job in request.active],
            "running": [
                {"kind": run.kind.value, "run_id": run.id, "started_at": run.started_at.isoformat()}
                for run in request.running
            ],
        }
        print(json.dumps(data, ensure_ascii=False))
        return 3 if request.queued is None else 0
    # The job id alone on standard output, for scripts; what was not queued beside it.
    notes = sys.stdout if request.queued is None else sys.stderr
    for job in request.active:
        print(
            _(
                "An import of {kinds} is already queued or running (job {job}); its summary "
                "goes to whoever asked for it.",
                args.locale,
                kinds=" + ".join(_(kind.noun, args.locale) for kind in job.kinds),
                job=job.id,
            ),
            file=notes,
        )
    for run in request.running:
        print(
            _(
                "An import of {kinds} is already running outside the queue (run {run}, "
                "started {when}); its summary goes to whoever started it.",
                args.locale,
                kinds=_(run.kind.noun, args.locale),
                run=run.id,
                when=run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            ),
            file=notes,
        )
    if request.queued is None:
        print(_("Nothing new was queued.", args.locale))
        return 3
    print(request.queued.id)
    return 0


async def sign_in_link(services: Services, args: argparse.Namespace) -> int:
    """Print the browser sign-in link for an account."""
    account = await services.accounts.named(args.account)
    link = await services.connections.sign_in_link(account, user="command line", locale=args.locale)
    print(
        _(
            "Open this link in a browser to connect {account} to QuickBooks "
            "(valid {minutes} minutes):",
            args.locale,
            account=account.name,
            minutes=int(STATE_LIFETIME.total_seconds() // 60),
        )
    )
    print(link)
    return 0


async def autoimport(services: Services, args: argparse.Namespace) -> int:
    """Turn auto-import on or off for an account."""
    account = await services.accounts.named(args.name)
    changed = await services.accounts.set_auto_import(account, args.state == "on")
    if changed.auto_import:
        print(_("Auto-import is on for {account}.", args.locale, account=account.name))
    else:
        print(_("Auto-import is off for {account}.", args.locale, account=account.name))
    return 0
