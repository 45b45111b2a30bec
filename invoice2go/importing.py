"""`invoice2go import`: run the engine for one or both kinds, show progress, sum up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from importer.domain.errors import QboError, RunInProgress, UserError
from importer.domain.model import Account, Counts, Kind, SkipReason
from importer.domain.runs import ImportRun
from importer.engine import Progress
from importer.ports.source import RecordSource
from invoice2go.context import Services
from invoice2go.i18n import t

KIND_CHOICES = {
    "clients": (Kind.CLIENTS,),
    "items": (Kind.ITEMS,),
    "all": (Kind.CLIENTS, Kind.ITEMS),
    # Spanish aliases, as in Slack
    "clientes": (Kind.CLIENTS,),
    "conceptos": (Kind.ITEMS,),
    "todo": (Kind.CLIENTS, Kind.ITEMS),
}

ProgressSink = Callable[[Progress], Awaitable[None]]


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
    """Everything one `invoice2go import` did."""

    account: Account
    realm_id: str | None
    outcomes: list[KindOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.run is not None and o.error is None for o in self.outcomes)

    def as_json(self) -> dict[str, Any]:
        """Return one JSON object: the account, then per kind its counts."""
        data: dict[str, Any] = {"account": self.account.name, "realm_id": self.realm_id}
        for outcome in self.outcomes:
            data[outcome.kind.value] = outcome.as_json()
        return data


def check_plan(services: Services, account: Account, locale: str) -> None:
    """Refuse plans without the QuickBooks integration (R6) with an upgrade message."""
    enabled = services.settings.enabled_plans
    if account.plan not in enabled:
        raise UserError(
            t("error.plan", locale, plan=account.plan, plans=" / ".join(sorted(enabled)))
        )


async def run_import(
    services: Services,
    account: Account,
    kinds: Sequence[Kind],
    source: RecordSource,
    *,
    on_progress: ProgressSink | None = None,
) -> ImportReport:
    """Import each kind in turn; stop at the first failure, which is reported, not raised."""
    report = ImportReport(account, source.realm_id)
    engine = services.engine()
    for kind in kinds:
        outcome = KindOutcome(kind)
        report.outcomes.append(outcome)

        async def listen(progress: Progress, outcome: KindOutcome = outcome) -> None:
            outcome.resumed = progress.resumed
            if on_progress is not None:
                await on_progress(progress)

        try:
            outcome.run = await engine.run(account.id, kind, source, on_progress=listen)
        except RunInProgress as busy:
            outcome.running = busy.run
        except QboError as error:
            outcome.error = str(error)
            latest = await services.store.list_runs(account.id, kind, limit=1)
            outcome.run = latest[0] if latest else None
            break
    return report


def summary_lines(report: ImportReport, locale: str) -> list[str]:
    """Return the summary a person reads: per kind, imported and skipped by reason."""
    lines = []
    for outcome in report.outcomes:
        kind = t(f"kind.{outcome.kind.value}", locale)
        if outcome.running is not None:
            run = outcome.running
            lines.append(
                t(
                    "import.running",
                    locale,
                    kind=kind.lower(),
                    account=report.account.name,
                    started=run.started_at.strftime("%Y-%m-%d %H:%M UTC"),
                    seen=run.counts.seen,
                )
            )
            continue
        counts = outcome.run.counts if outcome.run else Counts()
        parts = [t("summary.imported", locale, n=counts.imported)]
        parts += [
            t(f"skip.{reason.value}", locale, n=counts.skipped[reason.value])
            for reason in SkipReason
            if counts.skipped.get(reason.value)
        ]
        if counts.failed:
            parts.append(t("summary.failed", locale, n=counts.failed))
        if outcome.resumed:
            parts.append(t("summary.resumed", locale))
        lines.append(f"{kind}: " + "; ".join(parts))
        if outcome.error:
            lines.append("  " + t("import.failed", locale, kind=kind.lower(), reason=outcome.error))
    return lines
