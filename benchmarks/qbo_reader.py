"""Time reading every customer through QboSource against QBO's limits and a sequential reader.

Run: python -m benchmarks.qbo_reader [--customers 100000] [--latency-ms 300]

The simulator runs in a child process so its JSON work does not share our event loop, as Intuit
would not. The lower bound is what QBO's limits allow at best: with 10 requests in flight and
500 per rolling minute, max(ceil(pages / 10) x latency, the time the per-minute budget forces).
When the count fills the last page exactly, QboSource reads one more (empty) page after the
others: that is how it notices customers created during the read (§3.2 stop rule).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

from importer.engine import ImportEngine
from importer.qbo_source import QboSource
from importer.rules import Kind
from qbo.client import PAGE_SIZE, QboClient
from qbo.connection import FixedTokens
from qbo.limits import RealmLimiter
from storage.sqlite import SqliteStore


def _serve(config: dict[str, Any], pipe: Connection) -> None:
    """Run a simulator until the parent says stop (child process)."""
    from qbo.simulator import Simulator, SimulatorConfig

    async def serve() -> None:
        settings = SimulatorConfig(**config)
        async with Simulator.start(settings, host="127.0.0.1", port=0) as sim:
            tokens = sim.issue_tokens()
            pipe.send((sim.api_base, sim.realm_id, tokens["access_token"]))
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)

    asyncio.run(serve())


def lower_bound(pages: int, latency: float, in_flight: int, per_minute: int) -> float:
    """Return the least wall time QBO's limits allow for reading these pages."""
    by_concurrency = math.ceil(pages / in_flight) * latency
    by_budget = (pages - 1) // per_minute * 60.0 + latency
    return max(by_concurrency, by_budget)


async def _timed(work: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    started = time.perf_counter()
    records = await work()
    return time.perf_counter() - started, records


async def measure(args: argparse.Namespace, api_base: str, realm_id: str, token: str) -> None:
    """Read all customers both ways and print the table."""
    async with aiohttp.ClientSession() as session:

        def client() -> QboClient:
            limiter = RealmLimiter(args.in_flight, args.per_minute)
            return QboClient(session, api_base, realm_id, FixedTokens(token), limiter)

        source = QboSource(client())

        async def count() -> int:
            return await source.count(Kind.CLIENTS) or 0

        async def through_source() -> int:
            return sum([len(page.candidates) async for page in source.pages(Kind.CLIENTS)])

        async def import_into_store() -> int:
            # The whole import: count, read, decide and write into a new embedded store.
            with tempfile.TemporaryDirectory() as folder:
                store = SqliteStore(Path(folder) / "bench.sqlite3")
                await store.migrate()
                account = await store.create_account("Benchmark", "premium")
                run = await ImportEngine(store).run(account.id, Kind.CLIENTS, QboSource(client()))
                await store.close()
            return run.counts.imported + sum(run.counts.skipped.values())

        async def unordered() -> int:
            # No order, no mapping: the best any reader gets from this simulator on this machine.
            reader = client()
            pages = range(1, args.customers + 1, PAGE_SIZE)
            rows = await asyncio.gather(*(reader.page("Customer", start) for start in pages))
            return sum(len(page) for page in rows)

        async def sequential() -> int:
            reader, start, records = client(), 1, 0
            while True:
                rows = await reader.page("Customer", start)
                records += len(rows)
                if len(rows) < PAGE_SIZE:
                    return records
                start += len(rows)

        # Warm the connection pool and the simulator's encoded rows (Intuit's servers have no
        # cold start per crawl), so every reader below meets the same server.
        await unordered()
        # As the import engine does: count (for progress), then read the pages.
        count_time, counted = await _timed(count)
        source_time, source_records = await _timed(through_source)
        import_time, imported = await _timed(import_into_store)
        unordered_time, unordered_records = await _timed(unordered)
        sequential_time, sequential_records = await _timed(sequential)

    pages = math.ceil(args.customers / PAGE_SIZE)
    bound = lower_bound(pages, args.latency_ms / 1000, args.in_flight, args.per_minute)
    print(f"{args.customers:,} customers, {pages} pages, {args.latency_ms:g} ms per request, ")
    print(f"limits: {args.in_flight} in flight, {args.per_minute}/min\n")
    print(f"{'reader':<28}{'records':>10}{'seconds':>10}{'x bound':>10}")
    rows = [
        ("lower bound (QBO limits)", args.customers, bound),
        ("all pages at once, unordered", unordered_records, unordered_time),
        ("QboSource.pages", source_records, source_time),
        ("QboSource count + pages", counted, count_time + source_time),
        ("import into embedded store", imported, import_time),
        ("sequential page by page", sequential_records, sequential_time),
    ]
    for name, records, seconds in rows:
        print(f"{name:<28}{records:>10,}{seconds:>10.2f}{seconds / bound:>10.2f}")
    print(f"\nimport / bound: {import_time / bound:.2f} (target <= 1.3)")
    print(f"QboSource.pages / bound: {source_time / bound:.2f}")
    print(f"QboSource.pages / unordered: {source_time / unordered_time:.2f}")
    print(f"sequential / import: {sequential_time / import_time:.1f} (target >= 5)")
    if source_records != args.customers or sequential_records != args.customers:
        raise SystemExit("a reader did not read every customer")


def main() -> None:
    """Parse arguments, start the simulator, measure, stop."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.qbo_reader", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--per-minute", type=int, default=500)
    args = parser.parse_args()
    config = {
        "customers": args.customers,
        "latency_ms": args.latency_ms,
        "max_in_flight": args.in_flight,
        "per_minute": args.per_minute,
    }
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(config, child), daemon=True)
    server.start()
    try:
        api_base, realm_id, token = parent.recv()
        asyncio.run(measure(args, api_base, realm_id, token))
    finally:
        parent.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
