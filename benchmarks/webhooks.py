"""Signed webhook deliveries accepted per second by one web process, and the answer times.

Run: python -m benchmarks.webhooks [--deliveries 20000] [--clients 50]

`invoice2go serve --no-worker` runs in a process of its own on the embedded store, with one
account connected to the company the deliveries name. This process is the load: `--clients`
connections post classic deliveries of one Customer event each, every one a new event (so every
delivery is verified, parsed, checked against the known companies and kept), as fast as the
server answers. Bodies and signatures are made before the clock starts.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from cryptography.fernet import Fernet

from importer.domain.connections import QboConnection, TokenSet
from storage.sqlite import SqliteStore

TOKEN = "benchmark-verifier-token"
REALM = "9341455130166501"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def delivery(n: int) -> tuple[bytes, str]:
    """Return a signed classic delivery announcing customer n."""
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": REALM,
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Customer",
                                "id": str(n),
                                "operation": "Create",
                                "lastUpdated": datetime.now(UTC).isoformat(),
                            }
                        ]
                    },
                }
            ]
        },
        separators=(",", ":"),
    ).encode()
    digest = hmac.new(TOKEN.encode(), body, hashlib.sha256).digest()
    return body, base64.b64encode(digest).decode()


async def prepare(database: Path) -> None:
    store = SqliteStore(database)
    await store.migrate()
    account = await store.create_account("Benchmark", "premium")
    await store.save_connection(
        QboConnection(account.id, REALM, "sandbox", TokenSet("sealed", "sealed", None))
    )
    await store.close()


async def load(url: str, bodies: list[tuple[bytes, str]], clients: int) -> list[float]:
    """Post every body with `clients` connections at once; return each answer's seconds."""
    times: list[float] = []
    queue = iter(bodies)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            for body, signature in queue:
                headers = {"Content-Type": "application/json", "intuit-signature": signature}
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                times.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(clients)))
    return times


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        database = Path(folder) / "bench.sqlite3"
        await prepare(database)
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")},
            "DATABASE_URL": f"sqlite:///{database}",
            "QBO_WEBHOOK_VERIFIER_TOKEN": TOKEN,
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "LOG_LEVEL": "WARNING",
        }
        command = str(Path(sys.executable).with_name("invoice2go"))
        server = await asyncio.create_subprocess_exec(
            command,
            "serve",
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        assert server.stdout is not None
        await server.stdout.readline()  # "listening on …"
        url = f"http://127.0.0.1:{port}/quickbooks/webhooks"
        await load(url, [delivery(-n) for n in range(1, 501)], args.clients)  # warm up
        bodies = [delivery(n) for n in range(1, args.deliveries + 1)]
        started = time.perf_counter()
        times = await load(url, bodies, args.clients)
        elapsed = time.perf_counter() - started
        server.terminate()
        await server.wait()
        kept = SqliteStore(database)
        pending = await kept.pending_webhook_events(datetime.now(UTC), limit=10**9)
        await kept.close()
    times.sort()
    p50 = statistics.median(times) * 1000
    p99 = times[int(len(times) * 0.99) - 1] * 1000
    print(f"{args.deliveries:,} signed deliveries, {args.clients} clients, one web process")
    print(f"accepted per second  {args.deliveries / elapsed:8,.0f}")
    print(f"answer time p50      {p50:8.1f} ms")
    print(f"answer time p99      {p99:8.1f} ms")
    print(f"events kept          {len(pending):8,} (of {args.deliveries + 500:,} sent)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Webhook deliveries per second, one process.")
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
