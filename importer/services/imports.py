"""Import one or both kinds for an account: R6 plan check, R8 one at a time, resume a crash or a
failure; cancel a run for an operator."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from importer.domain.errors import (
    QboError,
    ReadableError,
    ReconnectNeeded,
    RunCancelled,
    RunInProgress,
    ServerError,
    ThrottledError,
)
from importer.domain.messages import Text
from importer.domain.model import Account, Counts, Kind
from importer.domain.plans import Plans
from importer.domain.runs import ImportRun, RunRead
from importer.ports.clock import Clock, utcnow
from importer.ports.runs import RunStore
from importer.ports.source import PauseListener, RecordSource
from importer.services.engine import CANCELLED, ImportEngine, Progress, ProgressListener

log = logging.getLogger(__name__)


# The words that name what to import, in English and Spanish, as commands take them.
KIND_WORDS: dict[str, tuple[Kind, ...]] = {
    "clients": (Kind.CLIENTS,),
    "items": (Kind.ITEMS,),
    "all": (Kind.CLIENTS, Kind.ITEMS),
    "clientes": (Kind.CLIENTS,),
    "conceptos": (Kind.ITEMS,),
    "todo": (Kind.CLIENTS, Kind.ITEMS),
}


@dataclass
class KindOutcome:
    """How the import of one kind ended: a finished run, a running one, an error, or why it
    did not run at all (not_run)."""

    kind: Kind
    run: ImportRun | None = None
    running: ImportRun | None = None
    error: str | None = None
    # The failure may pass by itself (QuickBooks down or throttled): trying later can help.
    retryable: bool = False
    # QuickBooks limited requests (429) beyond the run's retries, rather than not answering.
    throttled: bool = False
    resumed: bool = False
    # The error as a message, for a reader in any language (error is its English sentence).
    problem: Text | None = field(default=None, repr=False)
    # QuickBooks no longer accepts the saved authorisation: an admin must connect again.
    needs_reconnect: bool = False
    not_run: Text | None = None

    @property
    def failed(self) -> bool:
        """Tell whether this kind's import stopped on an error."""
        return self.error is not None

    def as_json(self) -> dict[str, Any]:
        """Return the --json shape documented in the README."""
        if self.not_run is not None:
            return {"status": "not_run", "reason": str(self.not_run)}
        run = self.run or self.running
        counts = run.counts if run else Counts()
        # A run holding the kind: running, or (met by an auto-import) a full import's that
        # stopped and waits to be resumed.
        status = run.status.value if run else "failed"
        return {
            "status": status,
            "run_id": run.id if run else None,
            "resumed": self.resumed,
            "total": run.total if run else None,
            **counts.as_dict(),
            "error": self.error or (run.error if run else None),
        }


@dataclass
class ImportReport:
    """Everything one import request did."""

    account: Account
    realm_id: str | None
    outcomes: list[KindOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.run is not None and o.error is None for o in self.outcomes)

    @property
    def running(self) -> bool:
        """Tell whether another import of some asked-for kind held the account (R8)."""
        return any(o.running is not None for o in self.outcomes)

    def as_json(self) -> dict[str, Any]:
        """Return one JSON object: the account, then per kind its counts."""
        data: dict[str, Any] = {"account": self.account.name, "realm_id": self.realm_id}
        for outcome in self.outcomes:
            data[outcome.kind.value] = outcome.as_json()
        return data

    @classmethod
    def not_started(
        cls, account: Account, kinds: Sequence[Kind], error: ReadableError
    ) -> ImportReport:
        """Return the report of an import refused before it began: every kind not run, why."""
        realm_id = error.realm_id if isinstance(error, ReconnectNeeded) else None
        return cls(account, realm_id, [KindOutcome(kind, not_run=error.text) for kind in kinds])


class Sources(Protocol):
    """Where an account's records come from: its connected QBO company."""

    async def source_for(
        self,
        account_id: str,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        *,
        on_pause: PauseListener | None = None,
    ) -> RecordSource:
        """Return the account's company (or only these records of it); NotConnected if none.
        on_pause hears of every wait QuickBooks imposes (it limits requests)."""
        ...


@dataclass
class _Pause:
    """The wait QuickBooks imposes on an import, told once to whoever follows it."""

    account: Account
    clock: Clock
    on_progress: ProgressListener | None
    last: dict[Kind, Progress] = field(default_factory=dict)
    done: set[Kind] = field(default_factory=set)
    until: datetime | None = None

    def stamped(self, progress: Progress) -> Progress:
        """Return progress with the pause it happens in, if one is on."""
        self.last[progress.kind] = progress
        if self.until is not None and self.clock() < self.until:
            return replace(progress, paused_until=self.until)
        return progress

    async def begin(self, seconds: float) -> None:
        """Tell of a new wait, unless it only repeats the one already told."""
        now = self.clock()
        until = now + timedelta(seconds=seconds)
        if self.until is not None and now < self.until and until <= self.until + _SAME_PAUSE:
            return
        self.until = until
        log.info(
            "QuickBooks is limiting requests for account %r; going on at %s",
            self.account.name,
            until.isoformat(timespec="seconds"),
        )
        if self.on_progress is not None:
            for kind, progress in list(self.last.items()):
                if kind not in self.done:
                    await self.on_progress(replace(progress, paused_until=until))


# Several requests refused at once make as many waits of about the same length: one pause.
_SAME_PAUSE = timedelta(seconds=2)


class ImportService:
    """Run imports through the engine, from whatever entry point asks."""

    def __init__(
        self,
        engine: ImportEngine,
        sources: Sources,
        runs: RunStore,
        plans: Plans,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self._engine = engine
        self._sources = sources
        self._runs = runs
        self._plans = plans
        self._clock = clock

    async def run(
        self,
        account: Account,
        kinds: Sequence[Kind],
        *,
        on_progress: ProgressListener | None = None,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        finished: Mapping[Kind, ImportRun] | None = None,
    ) -> ImportReport:
        """Import the kinds side by side (they share the company's request limits); a failure
        of one is reported in its outcome, not raised, and the others go on. While QuickBooks
        makes the import wait, progress carries when it goes on (paused_until).

        finished holds runs this same request completed before it was interrupted (a job
        carried out again): those kinds are reported from their runs, not imported again.
        """
        await self._require_plan(account)
        pause = _Pause(account, self._clock, on_progress)
        source = await self._sources.source_for(account.id, record_ids, on_pause=pause.begin)
        read = RunRead.FULL if record_ids is None else RunRead.BY_ID
        done = dict(finished or {})
        report = ImportReport(
            account,
            source.realm_id,
            [KindOutcome(kind, run=done.get(kind), resumed=kind in done) for kind in kinds],
        )

        async def one(outcome: KindOutcome) -> None:
            async def listen(progress: Progress) -> None:
                outcome.resumed = progress.resumed
                progress = pause.stamped(progress)
                if on_progress is not None:
                    await on_progress(progress)

            kind = outcome.kind
            try:
                outcome.run = await self._engine.run(
                    account.id, kind, source, on_progress=listen, read=read
                )
            except RunInProgress as busy:
                outcome.running = busy.run
            except (QboError, RunCancelled) as error:
                outcome.error = str(error)
                outcome.problem = error.text
                outcome.needs_reconnect = isinstance(error, ReconnectNeeded)
                outcome.retryable = isinstance(error, ServerError | ThrottledError)
                outcome.throttled = isinstance(error, ThrottledError)
                latest = await self._runs.list_runs(account.id, kind, limit=1)
                outcome.run = latest[0] if latest else None
            finally:
                pause.done.add(kind)

        tasks = [
            asyncio.ensure_future(one(outcome))
            for outcome in report.outcomes
            if outcome.kind not in done
        ]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            # One kind failed beyond what an outcome reports (the store, a cancel): stop both,
            # and let the engine hand each run back before the error goes on.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return report

    async def _require_plan(self, account: Account) -> None:
        """Refuse an account whose plan lacks the integration (R6), saying that what it
        imported stays only when it imported something."""
        if self._plans.allows_qbo(account.plan):
            return
        runs = await self._runs.list_runs(account.id, limit=50)
        self._plans.require_qbo(account, imported=any(run.counts.imported for run in runs))

    async def cancel(self, account: Account, kind: Kind) -> ImportRun | None:
        """End the account's run of this kind that holds R8's lock (running, stuck or failed
        and waiting to be resumed) as failed, for good; return it, None when there is none.

        Safe against a live worker: its next heartbeat or checkpoint finds the run is no longer
        its own (LeaseLost) and it stops, changing nothing. The next import starts anew.
        """
        return await self._runs.cancel_run(account.id, kind, CANCELLED)
