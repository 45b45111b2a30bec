"""Benchmark: import customers and items into the embedded store from an in-process source.

    python -m benchmarks.import_engine            # 25k/2.5k up to 200k/20k, one process each
    python -m benchmarks.import_engine --one 100000 10000   # a single size, JSON out

Reports records per second, database round trips per 1,000 records and peak RSS. Each size runs
in a fresh process so its peak RSS is its own. Memory grows until SQLite's page caches (32 MiB
each for the writer's and the look-ups' connections) are full and stays flat after that: a
figure that kept growing with the number of records would mean a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.synthetic import SyntheticSource
from importer.domain.model import Kind
from importer.services.engine import ImportEngine
from storage.sqlite import SqliteStore

SIZES = [(25_000, 2_500), (50_000, 5_000), (100_000, 10_000), (200_000, 20_000)]


async def measure(customers: int, items: int) -> dict[str, Any]:
    """Import one company into a new store file and return the figures."""
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "bench.sqlite3")
        await store.migrate()
        account = await store.create_account("Benchmark", "premium")
        source = SyntheticSource(customers=customers, items=items)
        engine = ImportEngine(store)
        trips_before = store.round_trips
        started = time.perf_counter()
        clients = await engine.run(account.id, Kind.CLIENTS, source)
        items_run = await engine.run(account.id, Kind.ITEMS, source)
        elapsed = time.perf_counter() - started
        trips = store.round_trips - trips_before
        stored = await store.count_records(account.id, Kind.CLIENTS) + await store.count_records(
            account.id, Kind.ITEMS
        )
        await store.close()
    records = customers + items
    assert clients.counts.imported + items_run.counts.imported == records == stored
    return {
        "customers": customers,
        "items": items,
        "seconds": round(elapsed, 2),
        "records_per_second": round(records / elapsed),
        "round_trips_per_1000": round(trips * 1000 / records, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_sizes() -> None:
    """Run every size in its own process and print a table."""
    print(
        f"{'customers':>10} {'items':>7} {'seconds':>8} {'records/s':>10} "
        f"{'trips/1000':>10} {'peak RSS MB':>12}"
    )
    for customers, items in SIZES:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.import_engine", "--one", str(customers), str(items)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(out)
        print(
            f"{row['customers']:>10,} {row['items']:>7,} {row['seconds']:>8} "
            f"{row['records_per_second']:>10,} {row['round_trips_per_1000']:>10} "
            f"{row['peak_rss_mb']:>12}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=2, type=int, metavar=("CUSTOMERS", "ITEMS"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(*args.one))))
    else:
        run_sizes()


if __name__ == "__main__":
    main()
