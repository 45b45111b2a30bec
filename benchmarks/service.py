"""Time import jobs carried out by a real worker process against the QBO simulator.

Run:
  python -m benchmarks.service import-all   # 100,000 customers + 10,000 items, 300 ms a request
  python -m benchmarks.service million      # 1,000,000 customers, 100 ms a request
Options: --runs N (repeat, then the spread), --timeline (every request's times), --py-spy FILE
(profile the worker: .txt for collapsed stacks, else a flame graph).

The simulator runs in a child process of its own, enforcing QBO's limits (10 in flight, 500 a
rolling minute), warmed up first (its rows sorted and encoded, as a long-running QBO has them).
A worker (`invoice2go worker`) is started and left to warm up; the clock starts when the job is
queued and stops when the worker has marked it succeeded, every record committed. The worker's
resident memory and CPU time are read from /proc meanwhile; the simulator notes when each
request arrived and when it was answered.

A bound is the least wall time QBO's limits allow for a number of requests: ceil(n / 10) waves
of one request each, or the per-minute budget when that is slower. Three are shown: for the
records' pages alone; with one count per kind; and with every request the reading rules add
(pages overlap by 10 records to catch records a merge moves, and a short or empty page ends
a list, §3.2). The issue's bound for import-all is the first (110 pages, 3.3 s); for the
million it is the second (1,001 requests, 2.0 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from benchmarks.qbo_reader import stolen_seconds
from importer.domain.jobs import JobStatus
from importer.domain.model import Kind
from invoice2go.bootstrap import open_services
from invoice2go.settings import Settings
from qbo.client import ALL_RECORDS, PAGE_SIZE, page_statement
from qbo.source import OVERLAP

IN_FLIGHT = 10
PER_MINUTE = 500
# What the benchmark itself asks QBO before queueing (connecting reads the company's details
# and preferences): the simulator allows it on top of the worker's 500 a minute.
SETUP_REQUESTS = 2
# The simulator keeps the JSON of this many rows (EncodedRows); warming more would evict them.
ENCODED_ROWS_KEPT = 200_000

# When a request arrived and was answered (wall clock), its path, its statement and its status.
Timeline = list[tuple[float, float, str, str, int]]


def _warm(sim: Any) -> None:
    """Select and encode every page the import will ask for, as a long-running QBO has them."""
    from qbo_simulator.resources import select

    for entity in ("Customer", "Item"):
        if not sim.company.lists[entity].rows:
            continue  # the simulator knows an empty list's fields from its rows: nothing to warm
        statement = page_statement(entity, 1, PAGE_SIZE, ALL_RECORDS)
        rows = select(sim.company, statement).rows  # sorted once, kept for the pages
        if len(rows) <= ENCODED_ROWS_KEPT:
            for row in rows:
                sim.encoded_rows.encode(row)


def _serve(config: dict[str, Any], pipe: Connection) -> None:
    """Run a simulator until the parent says stop, then send it the requests' timeline."""
    from aiohttp import web
    from qbo_simulator import Simulator, SimulatorConfig

    timeline: Timeline = []

    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        arrived, status = time.time(), 500
        try:
            response: web.StreamResponse = await handler(request)
            status = response.status
            return response
        finally:
            statement = request.query.get("query", "")
            timeline.append((arrived, time.time(), request.path, statement, status))

    class Timed(Simulator):
        def make_app(self) -> web.Application:
            app = super().make_app()
            app.middlewares.append(timed)
            return app

    async def serve() -> None:
        async with Timed.start(SimulatorConfig(**config), host="127.0.0.1", port=0) as sim:
            _warm(sim)
            pipe.send(
                {
                    "QBO_CLIENT_ID": sim.client_id,
                    "QBO_CLIENT_SECRET": sim.client_secret,
                    "QBO_API_BASE": sim.api_base,
                    "QBO_AUTH_URL": sim.auth_url,
                    "QBO_TOKEN_URL": sim.token_url,
                    "QBO_REVOKE_URL": sim.revoke_url,
                    "realm": sim.realm_id,
                    "refresh": sim.issue_tokens()["refresh_token"],
                }
            )
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            pipe.send(timeline)

    asyncio.run(serve())


def bound(requests: int, latency: float) -> float:
    """Return the least wall time QBO's limits allow for this many requests."""
    by_concurrency = math.ceil(requests / IN_FLIGHT) * latency
    by_budget = (requests - 1) // PER_MINUTE * 60.0 + latency
    return max(by_concurrency, by_budget)


def pages_read(records: int, size: int = PAGE_SIZE, overlap: int = OVERLAP) -> int:
    """Return the pages a read asks for when nothing moves: overlapping, up to a short one."""
    pages = 1
    while (pages - 1) * (size - overlap) + size <= records:  # this page comes back full
        pages += 1
    return pages


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass(frozen=True)
class Measured:
    """One run: queue-to-commit seconds, the worker's peak RSS and CPU seconds."""

    seconds: float
    peak_rss: float
    cpu: float


async def run(args: argparse.Namespace, kinds: tuple[Kind, ...]) -> Measured:
    config = {
        "customers": args.customers,
        "items": args.items,
        "latency_ms": args.latency_ms,
        "max_in_flight": IN_FLIGHT,
        "per_minute": PER_MINUTE + SETUP_REQUESTS,
        "seed": 7,
    }
    parent, child = multiprocessing.Pipe()
    simulator = multiprocessing.Process(target=_serve, args=(config, child), daemon=True)
    simulator.start()
    child.close()  # a simulator that dies then ends our recv() instead of hanging it
    found = parent.recv()
    realm, refresh = found.pop("realm"), found.pop("refresh")
    with tempfile.TemporaryDirectory(prefix="bench-service-") as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")},
            **found,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "LOG_LEVEL": "WARNING",
        }
        settings = Settings(
            **{k.lower(): v for k, v in env.items() if k.startswith(("QBO_", "DATABASE", "TOKEN"))},
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        )
        async with open_services(settings) as services:
            account = await services.accounts.create("Benchmark")
            await services.connections.connect_with_refresh_token(account, realm, refresh)
            command = [str(Path(sys.executable).with_name("invoice2go")), "worker"]
            if args.py_spy:
                # py-spy starts the worker: RSS and CPU are then py-spy's, not the worker's.
                spy = str(Path(sys.executable).with_name("py-spy"))
                form = "raw" if args.py_spy.endswith(".txt") else "flamegraph"
                record = ["record", "-r", "250", "-f", form, "-o", args.py_spy, "--"]
                command = [spy, *record, *command]
            worker = await asyncio.create_subprocess_exec(
                *command, env=env, stdout=asyncio.subprocess.DEVNULL
            )
            await asyncio.sleep(args.warm_up)  # the worker starts and waits for work
            samples: list[tuple[float, float]] = []
            load = os.getloadavg()[0]
            stolen = stolen_seconds()
            cpu_before = cpu_seconds(worker.pid)
            queued_at = time.time()
            started = time.perf_counter()
            job = (await services.jobs.request(account, kinds)).job
            while True:
                current = await services.jobs.get(job.id)
                assert current is not None
                samples.append((time.perf_counter() - started, rss_mb(worker.pid)))
                if not current.status.active:
                    break
                await asyncio.sleep(args.poll)
            polled = time.perf_counter() - started
            cpu = cpu_seconds(worker.pid) - cpu_before
            stolen_after = stolen_seconds()
            worker.send_signal(signal.SIGINT if args.py_spy else signal.SIGTERM)
            await worker.wait()
        parent.send("stop")
        timeline: Timeline = parent.recv()
        simulator.join(timeout=30)
    if current.status is not JobStatus.SUCCEEDED:
        raise SystemExit(f"the job did not succeed: {current.error}")
    assert current.outcome is not None
    assert current.finished_at is not None
    # The job's own times: created as it was queued, finished as it was marked succeeded (in
    # the transaction after the last records' commit). Our polling adds up to --poll to it.
    elapsed = (current.finished_at - current.created_at).total_seconds()
    seen = sum(
        current.outcome[kind.value]["imported"]
        + current.outcome[kind.value]["failed"]
        + sum(current.outcome[kind.value]["skipped"].values())
        for kind in kinds
    )
    setup = sum(1 for at, _, path, _, _ in timeline if at < queued_at and "/v3/company/" in path)
    if setup > SETUP_REQUESTS:
        raise SystemExit(
            f"setting up took {setup} requests, more than the {SETUP_REQUESTS} allowed"
        )

    sizes = [args.customers] + ([args.items] if Kind.ITEMS in kinds else [])
    latency = args.latency_ms / 1000
    pages = sum(math.ceil(size / PAGE_SIZE) for size in sizes)
    needed = sum(pages_read(size) for size in sizes) + len(sizes)
    bounds = [
        ("records' pages", pages, bound(pages, latency)),
        ("+ a count per kind", pages + len(sizes), bound(pages + len(sizes), latency)),
        ("+ overlap, stop rule", needed, bound(needed, latency)),
    ]
    issue = 1 if args.which == "million" else 0
    print(f"{args.customers:,} customers, {args.items:,} items, {args.latency_ms} ms a request")
    print(f"load average      {load:8.2f} (1 min, at queueing)")
    if stolen is not None and stolen_after is not None:
        print(f"steal             {stolen_after - stolen:8.2f} s (CPU the host took meanwhile)")
    print(f"records seen      {seen:,}")
    for n, (name, requests, floor) in enumerate(bounds):
        mark = "  (the issue's)" if n == issue else ""
        print(f"bound, {name:<22}{requests:>6,} requests {floor:8.2f} s{mark}")
    ratios = ", ".join(f"{elapsed / floor:.2f}" for _, _, floor in bounds)
    print(f"queued → committed {elapsed:7.2f} s  = {ratios} x the bounds")
    print(f"  (seen by polling {polled:7.2f} s)")
    print(f"worker CPU        {cpu:8.2f} s")
    peak = max(rss for _, rss in samples)
    print(f"worker peak RSS   {peak:8.1f} MB")
    # Flat: the most the worker held in each tenth of the run, not growing with the records.
    tenths = [
        max((rss for t, rss in samples if n * polled / 10 <= t <= (n + 1) * polled / 10), default=0)
        for n in range(10)
    ]
    print("  by tenth of the run: " + " ".join(f"{rss:.0f}" for rss in tenths) + " MB")
    requests = sorted(
        (arrived - queued_at, done - queued_at, statement, status)
        for arrived, done, _, statement, status in timeline
        if arrived >= queued_at and statement.startswith("SELECT")
    )
    print_timeline(requests, elapsed, verbose=args.timeline)
    return Measured(elapsed, peak, cpu)


def _short(statement: str) -> str:
    words = statement.split()
    entity = words[words.index("FROM") + 1]
    if "COUNT(*)" in statement:
        return f"{entity} count"
    return f"{entity} @{words[words.index('STARTPOSITION') + 1]}"


def print_timeline(
    requests: list[tuple[float, float, str, int]], elapsed: float, verbose: bool
) -> None:
    """Say when the requests went out and came back, relative to queueing the job."""
    if not requests:
        return
    first, last = requests[0][0], max(done for _, done, _, _ in requests)
    busy = sum(done - arrived for arrived, done, _, _ in requests)
    refused = sum(1 for *_, status in requests if status != 200)
    print(f"requests          {len(requests):8,} ({refused} refused)")
    print(f"  first arrived   {first:8.3f} s after queueing")
    print(f"  last answered   {last:8.3f} s; the job succeeded {elapsed - last:.3f} s later")
    print(f"  in flight       {busy / (last - first):8.2f} on average between the two")
    if verbose:
        level, depth = 0, {}
        for at, step in sorted([(r[0], 1) for r in requests] + [(r[1], -1) for r in requests]):
            level += step
            depth[at] = level
        for arrived, done, statement, status in requests:
            shown = _short(statement) + ("" if status == 200 else f" → {status}")
            print(f"  {arrived:8.3f} → {done:8.3f}  [{depth[arrived]:2d} in flight]  {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("which", choices=("import-all", "million"))
    parser.add_argument("--customers", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--latency-ms", type=int)
    parser.add_argument("--runs", type=int, default=1, help="repeat, then print the spread")
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds before queueing")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between job reads")
    parser.add_argument("--timeline", action="store_true", help="print every request's times")
    parser.add_argument("--py-spy", metavar="FILE", help="profile the worker with py-spy")
    args = parser.parse_args()
    if args.which == "import-all":
        defaults = {"customers": 100_000, "items": 10_000, "latency_ms": 300}
        kinds: tuple[Kind, ...] = (Kind.CLIENTS, Kind.ITEMS)
    else:
        defaults = {"customers": 1_000_000, "items": 0, "latency_ms": 100}
        kinds = (Kind.CLIENTS,)
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    runs = []
    for n in range(args.runs):
        if n:
            print()
        runs.append(asyncio.run(run(args, kinds)))
    if len(runs) > 1:
        seconds = [r.seconds for r in runs]
        print(
            f"\n{len(runs)} runs: {min(seconds):.2f}–{max(seconds):.2f} s "
            f"(median {statistics.median(seconds):.2f}); peak RSS "
            f"{min(r.peak_rss for r in runs):.1f}–{max(r.peak_rss for r in runs):.1f} MB"
        )


if __name__ == "__main__":
    main()
