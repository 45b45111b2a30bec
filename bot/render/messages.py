"""What the app says in messages: help, status, import progress and summaries (J4, J6)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block

from bot import ids
from bot.render.blocks import (
    actions,
    bar,
    button,
    context,
    dump,
    escape,
    header,
    local_date_time,
    local_time,
    section,
)
from i18n import _, format_number, texts, translate
from importer.domain.connections import ConnectionStatus
from importer.domain.jobs import Job, JobStatus
from importer.domain.model import Kind
from importer.services.jobs import JobRequest
from importer.services.status import AccountStatus


def kind_name(kind: str, locale: str) -> str:
    """Clients or Items, in the locale's words."""
    return _("Clients", locale) if kind == Kind.CLIENTS.value else _("Items", locale)


def import_requested(request: JobRequest, locale: str) -> str:
    """What asking for an import did (R8): which kinds are already being imported (their summary
    goes to whoever asked for them), and which were queued now, or that none was."""

    def names(kinds: tuple[Kind, ...]) -> str:
        return " + ".join(kind_name(kind.value, locale).lower() for kind in kinds)

    said = []
    if request.busy:
        said.append(
            _(
                "An import of {kinds} is already under way; its progress and summary go to "
                "whoever asked for it.",
                locale,
                kinds=names(request.busy),
            )
        )
    if request.queued is None:
        said.append(_("Nothing new was queued.", locale))
    else:
        said.append(
            _(
                "Importing {kinds} from QuickBooks. Progress and the summary come in "
                "a direct message from invoice2go.",
                locale,
                kinds=names(request.queued.kinds),
            )
        )
    return " ".join(said)


def help_blocks(locale: str) -> list[dict[str, Any]]:
    """The usage message of /invoice2go help (and of any word it does not know)."""
    lines = [
        _("`/invoice2go connect`: connect QuickBooks and choose what to import", locale),
        _("`/invoice2go import clients|items|all`: import from QuickBooks now", locale),
        _("`/invoice2go status`: the connection, the plan and the last imports", locale),
        _("`/invoice2go clients [search]`, `/invoice2go items [search]`: find and delete", locale),
        _("`/invoice2go autoimport on|off`: import new customers and items by itself", locale),
        _("`/invoice2go disconnect`: disconnect QuickBooks; what was imported stays", locale),
        _("In Spanish too: conectar, importar clientes|conceptos|todo, estado, ayuda.", locale),
    ]
    return dump(
        [
            section(
                _(
                    "*invoice2go* brings QuickBooks customers and items in as clients and items.",
                    locale,
                )
            ),
            section("\n".join(f"• {line}" for line in lines)),
        ]
    )


def text_blocks(text: str) -> list[dict[str, Any]]:
    """One section of text."""
    return dump([section(text)])


def _when(value: datetime | None) -> str:
    return "—" if value is None else local_date_time(value)


def status_blocks(status: AccountStatus, locale: str) -> list[dict[str, Any]]:
    """Where the account stands: plan, connection, the last import of each kind."""
    account = status.account
    blocks: list[Block] = [header(_("invoice2go status", locale))]
    plan = _("Plan: {plan}", locale, plan=account.plan)
    if not status.qbo_enabled:
        plan += " — " + _("no QuickBooks integration on this plan", locale)
    blocks.append(section(f"*{escape(account.name)}* · {plan}"))
    connection = status.connection
    if connection is None or connection.status is ConnectionStatus.DISCONNECTED:
        blocks.append(section(_("QuickBooks is not connected: `/invoice2go connect`", locale)))
    elif connection.status is ConnectionStatus.NEEDS_RECONNECT:
        blocks.append(
            section(
                _("QuickBooks must be connected again by an admin: `/invoice2go connect`", locale)
            )
        )
    else:
        company = escape(connection.company_name or connection.realm_id)
        blocks.append(
            section(
                _(
                    "Connected to QuickBooks company *{company}* ({currency})",
                    locale,
                    company=company,
                    currency=connection.home_currency or "?",
                )
            )
        )
    auto = _("Auto-import: on", locale) if account.auto_import else _("Auto-import: off", locale)
    lines = [auto]
    for kind, run in status.latest.items():
        name = kind_name(kind.value, locale)
        if run is None:
            lines.append(_("{kind}: never imported", locale, kind=name))
        else:
            lines.append(
                _(
                    "{kind}: last import {when}, {status}, {imported}",
                    locale,
                    kind=name,
                    when=_when(run.finished_at or run.started_at),
                    status=status_word(run.status.value, locale),
                    imported=texts.imported(run.counts.imported, locale),
                )
            )
    blocks.append(context("\n".join(lines)))
    return dump(blocks)


def status_word(value: str, locale: str) -> str:
    """A run's or a job's status in the locale's words."""
    names = {
        "running": _("running", locale),
        "succeeded": _("finished", locale),
        "failed": _("failed", locale),
        "queued": _("waiting", locale),
    }
    return names.get(value, value)


def progress_blocks(
    job: Job,
    progress: Mapping[str, Any],
    locale: str,
    *,
    retry_at: datetime | None = None,
    throttled: bool = False,
) -> list[dict[str, Any]]:
    """The one message that shows an import while it runs; retry_at: it waits to be tried
    again then, as QuickBooks did not answer (or limited requests: throttled)."""
    blocks: list[Block] = []
    for kind in job.kinds:
        seen = progress.get(kind.value) or {}
        done, total = int(seen.get("seen", 0)), seen.get("total")
        of = format_number(int(total), locale) if total is not None else "?"
        line = _(
            "Importing {kind}… {done} of {total}",
            locale,
            kind=kind_name(kind.value, locale).lower(),
            done=done,
            total=of,
        )
        blocks.append(section(f"{line}\n`{bar(done, total)}`"))
    paused = [
        str(seen["paused_until"])
        for seen in progress.values()
        if isinstance(seen, Mapping) and seen.get("paused_until")
    ]
    if paused and retry_at is None:
        # ISO times: the latest is the one the import waits for; each reader sees it in their
        # own time zone.
        until = datetime.fromisoformat(max(paused))
        blocks.append(
            context(
                _(
                    "QuickBooks is limiting requests; going on at {time}",
                    locale,
                    time=local_time(until, "{time_secs}", "%H:%M:%S"),
                )
            )
        )
    if any(
        isinstance(seen, Mapping) and seen.get("waiting_for_company") for seen in progress.values()
    ):
        blocks.append(
            context(
                _(
                    "Waiting for another import from this QuickBooks company to finish.",
                    locale,
                )
            )
        )
    if not progress:
        blocks = [section(_("Import queued; it starts in a moment.", locale))]
    if retry_at is not None:
        time = retry_at.strftime("%H:%M:%S UTC")
        if throttled:
            waiting = _(
                "QuickBooks is limiting requests; trying again at {time}", locale, time=time
            )
        else:
            waiting = _("QuickBooks is not answering; trying again at {time}", locale, time=time)
        blocks.append(context(waiting))
    return dump(blocks)


def summary_text(job: Job, locale: str) -> str:
    """The notification text of a finished import (also the fallback of its blocks)."""
    if job.status is JobStatus.SUCCEEDED:
        return _("Import finished", locale)
    return _("Import failed", locale)


def summary_blocks(
    job: Job,
    locale: str,
    *,
    reconnect: bool = False,
    reconnect_button: bool = False,
    buttons: bool = True,
) -> list[dict[str, Any]]:
    """The summary of a finished import: counts per kind and reason, what to do on failure
    (reconnect: QuickBooks refused the saved sign-in; the button for an admin told once).
    Without buttons it is the last state of the progress message, the summary's echo."""
    outcome = job.outcome or {}
    blocks: list[Block] = [header(summary_text(job, locale))]
    any_skipped = False
    for kind in job.kinds:
        counts = outcome.get(kind.value)
        name = kind_name(kind.value, locale)
        if not isinstance(counts, Mapping) or counts.get("run_id") is None:
            blocks.append(section(_("*{kind}*: not imported", locale, kind=name)))
            continue
        blocks.append(section(f"*{name}*: {texts.counts_line(counts, locale)}"))
        any_skipped = any_skipped or any((counts.get("skipped") or {}).values())
    if reconnect:
        blocks.append(
            section(
                _(
                    "QuickBooks no longer accepts the saved sign-in: an admin must reconnect "
                    "QuickBooks, then import again. What was imported stays.",
                    locale,
                )
            )
        )
    elif job.error:
        blocks.append(section(_failure(job, locale)))
    pressed = []
    if reconnect_button:
        pressed.append(button(_("Reconnect", locale), ids.RECONNECT, "message", style="primary"))
    if any_skipped:
        pressed.append(button(_("Show skipped names", locale), ids.SHOW_SKIPPED, job.id))
    if pressed and buttons:
        blocks.append(actions(*pressed))
    return dump(blocks)


def _failure(job: Job, locale: str) -> str:
    """Why an import stopped and what to do, in the person's words where we know them."""
    outcome = job.outcome or {}
    if any(
        isinstance(counts, Mapping) and counts.get("status") == "running"
        for counts in outcome.values()
    ):
        return _(
            "Another import of the same kind was already running; it goes on, and its "
            "summary comes when it ends.",
            locale,
        )
    reason = translate(job.error, locale) if job.error else ""
    return _("The import stopped: {reason}", locale, reason=escape(reason))
