"""Import one or both kinds for an account: R6 plan check, R8 one at a time, resume a crash or a
failure; cancel a run for an operator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from importer.domain.errors import QboError, RunInProgress
from importer.domain.model import Account, Counts, Kind
from importer.domain.plans import Plans
from importer.domain.runs import ImportRun
from importer.ports.runs import RunStore
from importer.ports.source import RecordSource
from importer.services.engine import ImportEngine, Progress, ProgressListener

# Why an operator's cancel ended a run (its error, as run lists show it).
CANCELLED = "cancelled by an operator"

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

    async def source_for(self, account_id: str) -> RecordSource:
        """Return the account's company as a record source; NotConnected when there is none."""
        ...


class ImportService:
    """Run imports through the engine, from whatever entry point asks."""

    def __init__(
        self,
        engine: ImportEngine,
        sources: Sources,
        runs: RunStore,
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
    ) -> ImportReport:
        """Import each kind in turn; stop at the first failure, which is reported, not raised."""
        self._plans.require_qbo(account)
        source = await self._sources.source_for(account.id)
        report = ImportReport(account, source.realm_id)
        for kind in kinds:
            outcome = KindOutcome(kind)
            report.outcomes.append(outcome)

            async def listen(progress: Progress, outcome: KindOutcome = outcome) -> None:
                outcome.resumed = progress.resumed
                if on_progress is not None:
                    await on_progress(progress)

            try:
                outcome.run = await self._engine.run(account.id, kind, source, on_progress=listen)
            except RunInProgress as busy:
                outcome.running = busy.run
            except QboError as error:
                outcome.error = str(error)
                latest = await self._runs.list_runs(account.id, kind, limit=1)
                outcome.run = latest[0] if latest else None
                break
        return report

    async def cancel(self, account: Account, kind: Kind) -> ImportRun | None:
        """End the account's run of this kind that holds R8's lock (running, stuck or failed
        and waiting to be resumed) as failed, for good; return it, None when there is none.

        Safe against a live worker: its next heartbeat or checkpoint finds the run is no longer
        its own (LeaseLost) and it stops, changing nothing. The next import starts anew.
        """
        return await self._runs.cancel_run(account.id, kind, CANCELLED)
