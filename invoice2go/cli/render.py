"""What the command line prints: summaries, rows and JSON, in the user's language."""

from __future__ import annotations

import shlex
from typing import Any

from i18n import _, texts, translate
from importer.domain.inputs import price_text
from importer.domain.model import Account, Counts, Kind, Record
from importer.domain.runs import ImportRun
from importer.services.imports import ImportReport, KindOutcome


def kind_title(kind: Kind, locale: str) -> str:
    """Return a kind as a heading: Clients, Items."""
    return _("Clients", locale) if kind is Kind.CLIENTS else _("Items", locale)


def counts_text(counts: Counts, locale: str) -> str:
    """Return counts as a person reads them: imported, then skipped by reason, then failed."""
    return texts.counts_line(counts.as_dict(), locale)


def summary_lines(report: ImportReport, locale: str) -> list[str]:
    """Return the summary a person reads: per kind, what it did, or that it failed and why."""
    lines: list[str] = []
    for outcome in report.outcomes:
        lines += _outcome_lines(report, outcome, locale)
    return lines


def _outcome_lines(report: ImportReport, outcome: KindOutcome, locale: str) -> list[str]:
    kind = kind_title(outcome.kind, locale)
    if outcome.not_run is not None:
        reason = translate(outcome.not_run, locale)
        return [_("{kind}: not imported: {reason}", locale, kind=kind, reason=reason)]
    if outcome.running is not None:
        run = outcome.running
        return [
            _(
                "An import of {kind} is already running for {account} (started {started}, "
                "{seen} records so far). Its summary will show when it ends.",
                locale,
                kind=outcome.kind.noun,
                account=report.account.name,
                started=run.started_at.strftime("%Y-%m-%d %H:%M UTC"),
                seen=run.counts.seen,
            )
        ]
    counts = outcome.run.counts if outcome.run else Counts()
    if not outcome.failed:
        line = f"{kind}: {counts_text(counts, locale)}"
        if outcome.resumed:
            line += "; " + _("resumed where an interrupted import stopped", locale)
        return [line]
    reason = translate(outcome.problem, locale) if outcome.problem else str(outcome.error)
    lines = [_("{kind}: the import failed: {reason}", locale, kind=kind, reason=reason)]
    if counts.seen:
        lines.append(
            "  "
            + _(
                "Before it stopped: {counts}. What was imported stays; the next import goes on "
                "from there.",
                locale,
                counts=counts_text(counts, locale),
            )
        )
    if outcome.needs_reconnect:
        hint = reconnect_hint(report.account.name, report.realm_id, locale)
        lines.append(f"  {hint[:1].upper()}{hint[1:]}")
    return lines


def reconnect_hint(account: str, realm_id: str | None, locale: str, *, again: bool = True) -> str:
    """Return how to connect an account to QuickBooks (again) from the command line: the token
    on standard input or in QBO_REFRESH_TOKEN, never in the arguments (ps, shell history)."""
    command = (
        f"invoice2go connect --account {shlex.quote(account)} --realm {realm_id or 'REALM_ID'} "
        "--refresh-token -"
    )
    if again:
        return _(
            "connect it again with: {command} (the refresh token on standard input, or in "
            "QBO_REFRESH_TOKEN)",
            locale,
            command=command,
        )
    return _(
        "connect it with: {command} (the refresh token on standard input, or in QBO_REFRESH_TOKEN)",
        locale,
        command=command,
    )


def account_json(account: Account) -> dict[str, Any]:
    """Return an account as `accounts list --json` prints it."""
    return {
        "id": account.id,
        "name": account.name,
        "plan": account.plan,
        "currency": account.currency,
        "auto_import": account.auto_import,
        "created_at": account.created_at.isoformat(),
    }


def record_json(record: Record) -> dict[str, Any]:
    """Return a record as the --json lists print it (prices in plain digits)."""
    fields = dict(record.fields)
    if record.unit_price is not None:
        fields["unit_price"] = price_text(record.unit_price)
    return {
        "id": record.id,
        "name": record.name,
        "qbo_id": record.qbo_id,
        "created_at": record.created_at.isoformat(),
        **fields,
    }


def cancel_json(run: ImportRun | None) -> dict[str, Any]:
    """Return what `import cancel --json` prints for the run it ended (or none)."""
    if run is None:
        return {"cancelled": False, "run_id": None}
    return {"cancelled": True, "run_id": run.id, "status": run.status.value, **run.counts.as_dict()}
