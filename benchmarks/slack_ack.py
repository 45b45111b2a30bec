"""Time to acknowledge a slash command while an import of 100,000 records runs in the same process.

Run: python -m benchmarks.slack_ack [--customers 100000] [--latency-ms 1000] [--rate 20]

`invoice2go serve` (with its in-process worker) runs in a process of its own on the embedded
store, in single-workspace mode, its account connected to the company of a QBO simulator (a
child process, `--latency-ms` a request, so the import lasts a while). Its Slack Web API is a
fake Slack in another child process: it answers users.info and takes the progress messages, and
in a process of its own that work never shares an event loop with the timing here.

This process is Slack: it sends a signed `/invoice2go import clients`, so the serve process's
worker runs the import, then signed `/invoice2go help` and `/invoice2go status` in turn, one
every 1/`--rate` s on a fixed schedule (a slow answer does not delay the next send, so a stall is
not hidden), and times each from sending to reading the whole HTTP answer. Only commands sent
while the job was seen running count: the job is read from the store's file every 20 ms. The
same commands are timed idle, before the import, for comparison. `--worker-process` runs the
worker in a process of its own instead (`serve --no-worker` and `invoice2go worker`).

The CPU time each process took meanwhile is printed, and what the rest of the machine took:
figures taken while other work keeps the cores busy are not comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from cryptography.fernet import Fernet
from slack_sdk.signature import SignatureVerifier

from benchmarks.qbo_reader import stolen_seconds
from benchmarks.service import _serve as serve_simulator
from benchmarks.webhooks import free_port
from importer.domain.jobs import Job, JobStatus
from importer.domain.model import Account
from invoice2go.bootstrap import Services, open_services
from invoice2go.fake_slack import BOT_TOKEN, FakeSlack
from invoice2go.settings import Settings

SECRET = "benchmark-signing-secret"
TEAM = "T0DEMO"
USER = "U1"
TARGET_MS = 50.0


def serve_slack(pipe: Connection) -> None:
    """Run a fake Slack Web API until the parent says stop; then send back its calls (child)."""

    async def serve() -> None:
        async with FakeSlack.start(team_id=TEAM) as slack:
            slack.add_user(USER, admin=True, name="Ada Admin")
            pipe.send(slack.api_url)
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            pipe.send([call.method for call in slack.calls])

    asyncio.run(serve())


def command(text: str, n: int) -> tuple[str, dict[str, str]]:
    """Return a signed `/invoice2go text` as Slack posts it: the form body and the headers."""
    body = urlencode(
        {
            "token": "deprecated",
            "team_id": TEAM,
            "team_domain": "demo",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": USER,
            "user_name": "ada",
            "command": "/invoice2go",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": f"http://127.0.0.1:9/hooks/c{n}",  # never called: the ack answers
            "trigger_id": f"trigger-{n}",
        }
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return body, headers


@dataclass(frozen=True)
class Sent:
    """One command: what it asked, when it went out (perf_counter), how long its answer took."""

    text: str
    at: float
    seconds: float


@dataclass
class JobWatch:
    """When the job was seen running (perf_counter), and how it was left."""

    first_running: float = math.inf
    last_running: float = -math.inf
    job: Job | None = None

    def saw(self, sent: Sent) -> bool:
        """Whether a command went out while the job was seen running."""
        return self.first_running <= sent.at <= self.last_running


async def send(session: aiohttp.ClientSession, url: str, text: str, n: int) -> Sent:
    """Send one signed command; return when it went and how long the answer took."""
    body, headers = command(text, n)
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        answer = await response.read()
    seconds = time.perf_counter() - started
    if response.status != 200 or b"invoice2go" not in answer:
        raise SystemExit(f"/invoice2go {text} answered {response.status}: {answer[:300]!r}")
    return Sent(text, started, seconds)


async def steady(
    session: aiohttp.ClientSession, url: str, rate: float, until: asyncio.Event, first: int
) -> list[Sent]:
    """Send help and status in turn, one every 1/rate s on a fixed schedule, until told."""
    tasks: list[asyncio.Task[Sent]] = []
    start = time.perf_counter()
    n = 0
    while not until.is_set():
        text = "help" if n % 2 == 0 else "status"
        tasks.append(asyncio.ensure_future(send(session, url, text, first + n)))
        n += 1
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), delay)
    return list(await asyncio.gather(*tasks))


async def watch(services: Services, job_id: str, seen: JobWatch, done: asyncio.Event) -> None:
    """Read the job every 20 ms; note when it is seen running; set done when it has ended."""
    while True:
        job = await services.jobs.get(job_id)
        now = time.perf_counter()
        assert job is not None
        seen.job = job
        if job.status is JobStatus.RUNNING:
            seen.first_running = min(seen.first_running, now)
            seen.last_running = now
        if not job.status.active:
            done.set()
            return
        await asyncio.sleep(0.02)


def cpu_seconds(pid: int | None = None) -> float:
    """Return the CPU time a process has used so far, or the whole machine's busy time (Linux)."""
    try:
        if pid is None:
            with open("/proc/stat") as stat:
                ticks = [int(n) for n in stat.readline().split()[1:]]
            busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait
        else:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            busy = int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return math.nan
    return busy / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of some values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def report(label: str, samples: list[Sent]) -> float:
    """Print p50, p90, p99, max and how many reached the target; return the p99."""
    times = [s.seconds * 1000 for s in samples]
    p50, p90, p99 = (percentile(times, q) for q in (0.5, 0.9, 0.99))
    over = sum(t >= TARGET_MS for t in times)
    print(f"{label:<26}{len(times):>6}{p50:>8.1f}{p90:>8.1f}{p99:>8.1f}{max(times):>8.1f}{over:>6}")
    return p99


@dataclass
class Measured:
    """What one run saw."""

    idle: list[Sent]
    busy: list[Sent]
    seen: JobWatch
    started: float
    wall: float
    cpu: dict[str, float]


async def measure(
    args: argparse.Namespace,
    env: dict[str, str],
    services: Services,
    account: Account,
    pids: dict[str, int | None],
) -> Measured:
    """Start serve (and a worker), time the idle commands, queue the import, time the rest."""
    command_line = str(Path(sys.executable).with_name("invoice2go"))
    port = free_port()
    no_worker = ["--no-worker"] if args.worker_process else []
    server = await asyncio.create_subprocess_exec(
        *[command_line, "serve", *no_worker, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    processes = [server]
    try:
        assert server.stdout is not None
        await server.stdout.readline()  # "listening on …"
        if args.worker_process:
            processes.append(await asyncio.create_subprocess_exec(command_line, "worker", env=env))
        pids["serve"] = server.pid
        pids["worker"] = processes[-1].pid if args.worker_process else None
        url = f"http://127.0.0.1:{port}/slack/events"
        async with aiohttp.ClientSession() as session:
            # Warm up (auth.test, users.info, first queries), then time idle commands.
            for n in range(20):
                await send(session, url, "help" if n % 2 == 0 else "status", n)
            idle_done = asyncio.Event()
            asyncio.get_running_loop().call_later(args.idle, idle_done.set)
            idle = await steady(session, url, args.rate, idle_done, 100)
            before = {name: cpu_seconds(pid) for name, pid in pids.items() if pid is not None}
            before["machine"] = cpu_seconds()
            started = time.perf_counter()
            await send(session, url, "import clients", 99)
            jobs = await services.jobs.recent(account, limit=1)
            if not jobs:
                raise SystemExit("the import command queued no job")
            seen, done = JobWatch(), asyncio.Event()
            watching = asyncio.ensure_future(watch(services, jobs[0].id, seen, done))
            busy = await steady(session, url, args.rate, done, 100_000)
            await watching
            wall = time.perf_counter() - started
            cpu = {
                name: cpu_seconds(pids[name]) - was for name, was in before.items() if name in pids
            }
            cpu["machine"] = cpu_seconds() - before["machine"]
    finally:
        for process in processes:
            process.terminate()
            await process.wait()
    return Measured(idle, busy, seen, started, wall, cpu)


def print_results(args: argparse.Namespace, measured: Measured, slack_calls: list[str]) -> float:
    """Print the figures; return the p99 during the import."""
    job, seen = measured.seen.job, measured.seen
    assert job is not None
    outcome = (job.outcome or {}).get("clients", {})
    imported = outcome.get("imported", 0)
    records = imported + outcome.get("failed", 0) + sum(outcome.get("skipped", {}).values())
    if records != args.customers:
        raise SystemExit(f"the import saw {records:,} records, not {args.customers:,}")
    where = "in its own process" if args.worker_process else "in the serve process"
    print(
        f"import of {args.customers:,} customers ({imported:,} imported) at {args.latency_ms:g} ms "
        f"a QBO request, worker {where}: seen running for "
        f"{seen.last_running - seen.first_running:.1f} s; "
        f"{slack_calls.count('chat.update')} progress edits in Slack"
    )
    print(f"/invoice2go help and status in turn, {args.rate:g} a second; answer times in ms\n")
    print(f"{'':<26}{'sent':>6}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}{'≥50':>6}")
    report("idle, before the import", measured.idle)
    during = [s for s in measured.busy if seen.saw(s)]
    p99 = report("during the import", during)
    report("  help", [s for s in during if s.text == "help"])
    report("  status", [s for s in during if s.text == "status"])
    cpu = measured.cpu
    others = max(0.0, cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine"))
    cores = os.cpu_count() or 1
    print(
        f"\nCPU seconds from the import command to its end ({measured.wall:.1f} s, {cores} cores):"
    )
    for name, seconds in [*cpu.items(), ("other processes", others)]:
        print(f"  {name:<22}{seconds:6.1f}")
    if args.csv:
        with open(args.csv, "w") as out:
            out.write("seconds_after_import_command,command,during_import,answer_ms\n")
            for s in [*measured.idle, *measured.busy]:
                at = s.at - measured.started
                out.write(f"{at:.3f},{s.text},{int(seen.saw(s))},{s.seconds * 1000:.2f}\n")
    return p99


async def run(args: argparse.Namespace) -> int:
    config = {"customers": args.customers, "items": 0, "latency_ms": args.latency_ms, "seed": 7}
    qbo_pipe, qbo_child = multiprocessing.Pipe()
    simulator = multiprocessing.Process(
        target=serve_simulator, args=(config, qbo_child), daemon=True
    )
    simulator.start()
    slack_pipe, slack_child = multiprocessing.Pipe()
    fake_slack = multiprocessing.Process(target=serve_slack, args=(slack_child,), daemon=True)
    fake_slack.start()
    found = qbo_pipe.recv()
    realm, refresh = found.pop("realm"), found.pop("refresh")
    api_url = slack_pipe.recv()
    pids: dict[str, int | None] = {
        "QBO simulator": simulator.pid,
        "fake Slack": fake_slack.pid,
        "this process (Slack)": os.getpid(),
    }
    stolen_before = stolen_seconds()
    with tempfile.TemporaryDirectory(prefix="bench-slack-ack-") as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")},
            **found,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": api_url,
            "LOG_LEVEL": "WARNING",
        }
        settings = Settings(
            **{k.lower(): v for k, v in env.items() if k.startswith(("QBO_", "DATABASE", "TOK"))},
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        )
        async with open_services(settings) as services:
            # The workspace's account, as its first command makes it, connected by an admin.
            _, account = await services.workspaces.account_for(TEAM, name="Demo Landscaping")
            await services.connections.connect_with_refresh_token(account, realm, refresh)
            measured = await measure(args, env, services, account, pids)
    slack_pipe.send("stop")
    slack_calls: list[str] = slack_pipe.recv()
    qbo_pipe.send("stop")
    simulator.join(timeout=30)
    fake_slack.join(timeout=30)
    job = measured.seen.job
    if job is None or job.status is not JobStatus.SUCCEEDED:
        raise SystemExit(f"the import did not succeed: {job and job.error}")
    p99 = print_results(args, measured, slack_calls)
    stolen = stolen_seconds()
    if stolen is not None and stolen_before is not None:
        print(f"CPU time taken by the host meanwhile (steal): {stolen - stolen_before:.1f} s")
    verdict = "met" if p99 < TARGET_MS else "missed"
    print(f"target: p99 under {TARGET_MS:g} ms during the import: {verdict}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slack_ack", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=1000.0, help="per QBO request (1000)")
    parser.add_argument("--rate", type=float, default=20.0, help="commands a second (20)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle commands (5)")
    parser.add_argument(
        "--worker-process", action="store_true", help="run the worker in a process of its own"
    )
    parser.add_argument("--csv", help="write every command's answer time to this file")
    raise SystemExit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
