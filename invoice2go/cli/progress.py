"""A live progress bar on a terminal; nothing at all when output is piped or JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from importer.domain.model import Kind
from importer.services.engine import Progress as ImportProgress
from importer.services.engine import ProgressListener
from invoice2go.i18n import t


@asynccontextmanager
async def progress_display(show: bool, locale: str) -> AsyncIterator[ProgressListener | None]:
    """Yield a progress listener drawing one bar per kind, or None when not shown."""
    if not show:
        yield None
        return
    bars: dict[Kind, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as display:

        async def on_progress(progress: ImportProgress) -> None:
            if progress.kind not in bars:
                label = t(f"kind.{progress.kind.value}", locale)
                bars[progress.kind] = display.add_task(label, total=progress.total)
            display.update(bars[progress.kind], completed=progress.counts.seen)

        yield on_progress
