"""Time import jobs carried out by a real worker process against the QBO simulator.

Run:
  python -m benchmarks.service import-all   # 100,000 customers + 10,000 items, 300 ms a request
  python -m benchmarks.service million      # 1,000,000 customers under QBO's limits

The simulator runs in a child process of its own, enforcing QBO's limits (10 in flight, 500 a
rolling minute). A worker (`invoice2go worker`) is started and left to warm up; the clock starts
when the job is queued and stops when the worker has marked it succeeded, every record
committed. The worker's resident memory is sampled meanwhile from /proc.

The bound is what QBO's limits allow at best: ceil(pages / 10) waves of one request each, or
the per-minute budget when that is slower; pages count the records' pages only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from importer.domain.jobs import JobStatus
from importer.domain.model import Kind
from invoice2go.bootstrap import open_services
from invoice2go.settings import Settings

PAGE = 1000


def _serve(config: dict[str, Any], pipe: Connection) -> None:
    """Run a simulator until the parent says stop (child process)."""
    from qbo_simulator import Simulator, SimulatorConfig

    async def serve() -> None:
        async with Simulator.start(SimulatorConfig(**config), host="127.0.0.1", port=0) as sim:
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

    asyncio.run(serve())


def bound(pages: int, latency: float, in_flight: int = 10, per_minute: int = 500) -> float:
    """Return the least wall time QBO's limits allow for reading these pages."""
    by_concurrency = math.ceil(pages / in_flight) * latency
    by_budget = (pages - 1) // per_minute * 60.0 + latency
    return max(by_concurrency, by_budget)


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(args: argparse.Namespace, kinds: tuple[Kind, ...]) -> None:
    config = {
        "customers": args.customers,
        "items": args.items,
        "latency_ms": args.latency_ms,
        "seed": 7,
    }
    parent, child = multiprocessing.Pipe()
    simulator = multiprocessing.Process(target=_serve, args=(config, child), daemon=True)
    simulator.start()
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
            command = str(Path(sys.executable).with_name("invoice2go"))
            worker = await asyncio.create_subprocess_exec(
                command, "worker", env=env, stdout=asyncio.subprocess.DEVNULL
            )
            await asyncio.sleep(args.warm_up)  # the worker starts and waits for work
            samples: list[tuple[float, float]] = []
            started = time.perf_counter()
            job = (await services.jobs.request(account, kinds)).job
            while True:
                current = await services.jobs.get(job.id)
                assert current is not None
                samples.append((time.perf_counter() - started, rss_mb(worker.pid)))
                if not current.status.active:
                    break
                await asyncio.sleep(args.poll)
            elapsed = time.perf_counter() - started
            worker.terminate()
            await worker.wait()
        parent.send("stop")
        simulator.join(timeout=30)
    if current.status is not JobStatus.SUCCEEDED:
        raise SystemExit(f"the job did not succeed: {current.error}")
    assert current.outcome is not None
    seen = sum(
        current.outcome[kind.value]["imported"]
        + current.outcome[kind.value]["failed"]
        + sum(current.outcome[kind.value]["skipped"].values())
        for kind in kinds
    )
    pages = math.ceil(args.customers / PAGE) + (
        math.ceil(args.items / PAGE) if Kind.ITEMS in kinds else 0
    )
    floor = bound(pages, args.latency_ms / 1000)
    print(f"{args.customers:,} customers, {args.items:,} items, {args.latency_ms} ms a request")
    print(f"records seen      {seen:,}")
    print(f"pages             {pages:,} (+ the count and the stop-rule pages)")
    print(f"bound             {floor:8.2f} s  (10 in flight, 500 a minute)")
    print(f"queued → committed {elapsed:7.2f} s  = {elapsed / floor:.2f} x bound")
    peak = max(rss for _, rss in samples)
    print(f"worker peak RSS   {peak:8.1f} MB")
    for fraction in (0.25, 0.5, 0.75, 1.0):
        at = next(rss for t, rss in samples if t >= fraction * elapsed * 0.999)
        print(f"  RSS at {fraction:4.0%} of the run: {at:6.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("which", choices=("import-all", "million"))
    parser.add_argument("--customers", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--latency-ms", type=int)
    parser.add_argument("--warm-up", type=float, default=3.0, help="seconds before queueing")
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between job reads")
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
    asyncio.run(run(args, kinds))


if __name__ == "__main__":
    main()
