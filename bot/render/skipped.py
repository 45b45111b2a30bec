"""The skipped names of an import and why, a page at a time, in a modal (J4)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import ids
from bot.render.blocks import actions, button, clip, context, escape, section
from i18n import _, texts
from importer.domain.model import Skipped

PAGE = 25


def reason_text(entry: Skipped, locale: str) -> str:
    """Why one record was not imported, in a few words (and what it became, for R9)."""
    existing = getattr(entry, "existing_name", None)
    if existing:
        return _("already imported as {name}", locale, name=escape(clip(existing, 200)))
    return texts.reason(entry.reason, locale)


def skipped_view(
    job_id: str,
    run_ids: Sequence[str],
    page: int,
    entries: Sequence[Skipped],
    has_more: bool,
    locale: str,
) -> dict[str, Any]:
    """Return the modal listing one page of skipped names (entries holds that page)."""
    blocks: list[Block] = []
    lines = [
        f"• *{escape(clip(entry.name, 300))}* — {reason_text(entry, locale)}" for entry in entries
    ]
    # Several names per section: fewer blocks, each within 3,000 characters.
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if not blocks:
        blocks.append(section(_("Nothing was skipped.", locale)))
    pager = []
    state = {"job": job_id, "runs": list(run_ids)}
    if page > 0:
        pager.append(
            button(
                _("Previous", locale),
                f"{ids.SKIPPED_PAGE}_prev",
                json.dumps({**state, "page": page - 1}),
            )
        )
    if has_more:
        pager.append(
            button(
                _("Next", locale),
                f"{ids.SKIPPED_PAGE}_next",
                json.dumps({**state, "page": page + 1}),
            )
        )
    if pager:
        blocks.append(actions(*pager))
    blocks.append(context(_("Page {page}", locale, page=page + 1)))
    view = View(
        type="modal",
        callback_id=ids.SKIPPED_VIEW,
        title=_("Skipped names", locale)[:24],
        close=_("Close", locale)[:24],
        blocks=blocks,
    )
    return view.to_dict()
