"""Real `invoice2go serve` and `invoice2go worker` processes on one embedded store, against a QBO
simulator in the test process; the test queues jobs and reads the outcome from the same file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography.fernet import Fernet
from qbo_simulator import Simulator, SimulatorConfig

from importer.domain.jobs import Job, JobStatus
from importer.domain.model import Account, Kind
from invoice2go.bootstrap import Services, open_services
from invoice2go.settings import Settings

COMMAND = str(Path(sys.executable).with_name("invoice2go"))


T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T | None]], seconds: float) -> T:
    """Ask again until check answers something (another process is working meanwhile)."""
    async with asyncio.timeout(seconds):
        while (answer := await check()) is None:  # noqa: ASYNC110  # another process's state
            await asyncio.sleep(0.05)
        return answer


@dataclass
class Deployment:
    """One deployment's database file and environment; its processes, started on demand."""

    sim: Simulator
    folder: Path
    env: dict[str, str]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        env = self.env
        return Settings(
            database_url=env["DATABASE_URL"],
            qbo_client_id=env["QBO_CLIENT_ID"],
            qbo_client_secret=env["QBO_CLIENT_SECRET"],
            qbo_redirect_uri=env["QBO_REDIRECT_URI"],
            qbo_api_base=env["QBO_API_BASE"],
            qbo_auth_url=env["QBO_AUTH_URL"],
            qbo_token_url=env["QBO_TOKEN_URL"],
            qbo_revoke_url=env["QBO_REVOKE_URL"],
            token_encryption_key=env["TOKEN_ENCRYPTION_KEY"],
            _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        )

    @contextlib.asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        async with open_services(self.settings) as services:
            yield services

    async def start(self, *args: str, log_name: str) -> asyncio.subprocess.Process:
        """Start `invoice2go ARGS`, its output to a file in the folder (pipes could fill)."""
        log = (self.folder / f"{log_name}.log").open("ab")
        process = await asyncio.create_subprocess_exec(
            COMMAND,
            *args,
            env=self.env,
            cwd=self.folder,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    async def connected_account(self, name: str = "Acme") -> Account:
        async with self.services() as services:
            account = await services.accounts.create(name)
            token = self.sim.issue_tokens()["refresh_token"]
            await services.connections.connect_with_refresh_token(account, self.sim.realm_id, token)
            return account

    async def queue(self, account: Account, kinds: tuple[Kind, ...]) -> Job:
        async with self.services() as services:
            return (await services.jobs.request(account, kinds)).job

    async def job(self, job_id: str) -> Job:
        async with self.services() as services:
            job = await services.jobs.get(job_id)
        assert job is not None
        return job

    async def wait_for(self, job_id: str, *, until: JobStatus | None = None) -> Job:
        """Wait (up to a minute) until the job has ended, or reached the status until."""

        async def reached() -> Job | None:
            job = await self.job(job_id)
            return job if job.status is until or not (until or job.status.active) else None

        return await eventually(reached, 60)

    async def started(self, log_name: str, line: str = "started") -> None:
        """Wait (up to half a minute) until a process has written a line to its log."""

        async def written() -> bool | None:
            return line in self.log(log_name) or None

        await eventually(written, 30)

    async def stop_all(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGKILL)
                await process.wait()


def deployment_env(sim: Simulator, folder: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")}
    return {
        **keep,
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"sqlite:///{folder / 'service.sqlite3'}",
        "QBO_CLIENT_ID": sim.client_id,
        "QBO_CLIENT_SECRET": sim.client_secret,
        "QBO_REDIRECT_URI": "http://127.0.0.1:9/quickbooks/callback",
        "QBO_API_BASE": sim.api_base,
        "QBO_AUTH_URL": sim.auth_url,
        "QBO_TOKEN_URL": sim.token_url,
        "QBO_REVOKE_URL": sim.revoke_url,
        "QBO_WEBHOOK_VERIFIER_TOKEN": sim.webhook_verifier_token,
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
async def company() -> AsyncIterator[Simulator]:
    """A company of 5,000 customers and 300 items, 150 ms a request."""
    config = SimulatorConfig(customers=5000, items=300, latency_ms=150)
    async with Simulator.start(config, host="127.0.0.1", port=0) as sim:
        yield sim


@pytest.fixture
async def deployment(company: Simulator, tmp_path: Path) -> AsyncIterator[Deployment]:
    made = Deployment(company, tmp_path, deployment_env(company, tmp_path))
    try:
        yield made
    finally:
        await made.stop_all()
