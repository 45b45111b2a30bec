"""What the command line prints: summaries, rows and JSON, in the user's language."""

from __future__ import annotations

from typing import Any

from importer.domain.model import Account, Counts, Record, SkipReason
from importer.domain.runs import ImportRun
from importer.services.imports import ImportReport
from invoice2go.i18n import t


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


def cancel_json(run: ImportRun | None) -> dict[str, Any]:
    """Return what `import cancel --json` prints for the run it ended (or none)."""
    if run is None:
        return {"cancelled": False, "run_id": None}
    return {"cancelled": True, "run_id": run.id, "status": run.status.value, **run.counts.as_dict()}


def account_json(account: Account) -> dict[str, Any]:
    """Return an account as `accounts list --json` prints it."""
    return {
        "id": account.id,
        "name": account.name,
        "plan": account.plan,
        "currency": account.currency,
        "created_at": account.created_at.isoformat(),
    }


def record_json(record: Record) -> dict[str, Any]:
    """Return a record as the --json lists print it."""
    return {
        "id": record.id,
        "name": record.name,
        "qbo_id": record.qbo_id,
        "created_at": record.created_at.isoformat(),
        **dict(record.fields),
    }
