"""Texts shared by every surface (command line, Slack, browser): counts and skip reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from i18n.catalog import gettext as _
from i18n.catalog import ngettext
from importer.domain.model import SkipReason


def imported(n: int, locale: str) -> str:
    """“12,345 imported”."""
    return ngettext("{n} imported", "{n} imported", n, locale)


def failed(n: int, locale: str) -> str:
    """“3 failed”."""
    return ngettext("{n} failed", "{n} failed", n, locale)


def skipped_total(n: int, locale: str) -> str:
    """“29 skipped”, whatever the reasons."""
    return ngettext("{n} skipped", "{n} skipped", n, locale)


def skipped(reason: SkipReason, n: int, locale: str) -> str:
    """“28 skipped: the name already exists”, for each reason (R1, R2, R4, R5, R9)."""
    if reason is SkipReason.EXISTS:
        return ngettext(
            "{n} skipped: the name already exists",
            "{n} skipped: the name already exists",
            n,
            locale,
        )
    if reason is SkipReason.DELETED:
        return ngettext(
            "{n} skipped: deleted here before", "{n} skipped: deleted here before", n, locale
        )
    if reason is SkipReason.DUPLICATE:
        return ngettext(
            "{n} skipped: duplicate name in QuickBooks",
            "{n} skipped: duplicate name in QuickBooks",
            n,
            locale,
        )
    if reason is SkipReason.INACTIVE:
        return ngettext(
            "{n} skipped: inactive in QuickBooks", "{n} skipped: inactive in QuickBooks", n, locale
        )
    if reason is SkipReason.UNSUPPORTED:
        return ngettext(
            "{n} skipped: type not supported (categories, bundles)",
            "{n} skipped: type not supported (categories, bundles)",
            n,
            locale,
        )
    if reason is SkipReason.INVALID:
        return ngettext(
            "{n} skipped: empty, too long or unusable name",
            "{n} skipped: empty, too long or unusable name",
            n,
            locale,
        )
    if reason is SkipReason.INVALID_PRICE:
        return ngettext(
            "{n} skipped: price not a number, too large or too precise",
            "{n} skipped: price not a number, too large or too precise",
            n,
            locale,
        )
    return ngettext(
        "{n} skipped: already imported under another name",
        "{n} skipped: already imported under another name",
        n,
        locale,
    )


def reason(reason: SkipReason, locale: str) -> str:
    """Why one record was skipped, in a few words."""
    texts = {
        SkipReason.EXISTS: _("the name already exists", locale),
        SkipReason.DELETED: _("deleted here before", locale),
        SkipReason.DUPLICATE: _("another QuickBooks record has the same name", locale),
        SkipReason.INACTIVE: _("inactive in QuickBooks", locale),
        SkipReason.UNSUPPORTED: _("type not supported", locale),
        SkipReason.INVALID: _("empty, too long or unusable name", locale),
        SkipReason.INVALID_PRICE: _("price not a number, too large or too precise", locale),
    }
    return texts.get(reason) or _("already imported under another name", locale)


def counts_line(counts: Mapping[str, Any], locale: str) -> str:
    """Counts as a person reads them (the shape of Counts.as_dict): imported, then skipped by
    reason, then failed."""
    parts = [imported(int(counts.get("imported", 0)), locale)]
    by_reason = counts.get("skipped") or {}
    for why in SkipReason:
        n = int(by_reason.get(why.value, 0))
        if n:
            parts.append(skipped(why, n, locale))
    if counts.get("failed"):
        parts.append(failed(int(counts["failed"]), locale))
    return "; ".join(parts)
