"""A live progress bar on a terminal, nothing of it when output is piped or JSON; a wait that
QuickBooks imposes, or for another import of the same company, is told either way (above the bar,
or on standard error)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from i18n import _
from importer.domain.model import Kind
from importer.services.engine import Progress as ImportProgress
from importer.services.engine import ProgressListener
from invoice2go.cli.render import kind_title


def pause_notice(until: datetime, locale: str) -> str:
    """Return what a person reads while QuickBooks makes the import wait."""
    at = until.astimezone().strftime("%H:%M:%S")  # the reader's clock
    return _("QuickBooks is limiting requests; going on at {time}.", locale, time=at)


def waiting_notice(locale: str) -> str:
    """Return what a person reads while another process imports from the same company."""
    return _("Waiting for another import from this QuickBooks company to finish.", locale)


@asynccontextmanager
async def progress_display(show: bool, locale: str) -> AsyncIterator[ProgressListener]:
    """Yield a progress listener: one bar per kind when show, and each pause told once."""
    told: set[datetime] = set()
    waiting: set[Kind] = set()

    def paused(progress: ImportProgress) -> str | None:
        if progress.waiting_for_company:
            # Both kinds of `import all` wait together: told once.
            first = not waiting
            waiting.add(progress.kind)
            return waiting_notice(locale) if first else None
        waiting.discard(progress.kind)
        until = progress.paused_until
        if until is None or until in told:
            return None
        told.add(until)
        return pause_notice(until, locale)

    if not show:

        async def on_pause_only(progress: ImportProgress) -> None:
            notice = paused(progress)
            if notice is not None:
                print(notice, file=sys.stderr, flush=True)

        yield on_pause_only
        return
    bars: dict[Kind, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as display:

        async def on_progress(progress: ImportProgress) -> None:
            if progress.kind not in bars:
                label = kind_title(progress.kind, locale)
                bars[progress.kind] = display.add_task(label, total=progress.total)
            display.update(
                bars[progress.kind], completed=progress.counts.seen, total=progress.total
            )
            notice = paused(progress)
            if notice is not None:
                display.console.print(notice)

        yield on_progress
