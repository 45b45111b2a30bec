"""Import one or both kinds for an account: R6 plan check, R8 one at a time, resume a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from importer.domain.errors import QboError, RunInProgress, ServerError, ThrottledError
from importer.domain.model import Account, Counts, Kind
from importer.domain.plans import Plans
from importer.domain.runs import ImportRun
from importer.ports.runs import RunHistory
from importer.ports.source import RecordSource
from importer.services.engine import ImportEngine, Progress, ProgressListener

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
    """How the import of one kind ended: a finished run, a running one, or an error."""

    kind: Kind
    run: ImportRun | None = None
    running: ImportRun | None = None
    error: str | None = None
    # The failure may pass by itself (QuickBooks down or throttled): trying later can help.
    retryable: bool = False
    resumed: bool = False

    def as_json(self) -> dict[str, Any]:
        """Return the --json shape documented in the README."""
        run = self.run or self.running
        counts = run.counts if run else Counts()
        status = "running" if self.running else (run.status.value if run else "failed")
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


class Sources(Protocol):
    """Where an account's records come from: its connected QBO company."""

    async def source_for(
        self, account_id: str, record_ids: Mapping[Kind, Sequence[str]] | None = None
    ) -> RecordSource:
        """Return the account's company (or only these records of it); NotConnected if none."""
        ...


class ImportService:
    """Run imports through the engine, from whatever entry point asks."""

    def __init__(
        self,
        engine: ImportEngine,
        sources: Sources,
        runs: RunHistory,
        plans: Plans,
    ) -> None:
        self._engine = engine
        self._sources = sources
        self._runs = runs
        self._plans = plans

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
        of one is reported in its outcome, not raised, and the others go on.

        finished holds runs this same request completed before it was interrupted (a job
        carried out again): those kinds are reported from their runs, not imported again.
        """
        self._plans.require_qbo(account)
        source = await self._sources.source_for(account.id, record_ids)
        done = dict(finished or {})
        report = ImportReport(
            account,
            source.realm_id,
            [KindOutcome(kind, run=done.get(kind), resumed=kind in done) for kind in kinds],
        )

        async def one(outcome: KindOutcome) -> None:
            async def listen(progress: Progress) -> None:
                outcome.resumed = progress.resumed
                if on_progress is not None:
                    await on_progress(progress)

            kind = outcome.kind
            try:
                outcome.run = await self._engine.run(account.id, kind, source, on_progress=listen)
            except RunInProgress as busy:
                outcome.running = busy.run
            except QboError as error:
                outcome.error = str(error)
                outcome.retryable = isinstance(error, ServerError | ThrottledError)
                latest = await self._runs.list_runs(account.id, kind, limit=1)
                outcome.run = latest[0] if latest else None

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
