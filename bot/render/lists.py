"""Clients and items found by a search, each with a Delete button that asks first (J5)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import Block

from bot import ids
from bot.render.blocks import actions, button, clip, confirm, context, dump, escape, section
from i18n import _, format_amount
from importer.domain.model import Kind, Record

# Records shown per search: each is one block, and a message holds at most 50.
PAGE = 20


def title(kind: Kind, locale: str) -> str:
    return _("Clients", locale) if kind is Kind.CLIENTS else _("Items", locale)


def record_blocks(
    kind: Kind, records: list[Record], search: str | None, locale: str
) -> list[dict[str, Any]]:
    """List records (at most PAGE; say when there are more), each with a Delete button."""
    if not records:
        text = (
            _(
                "No {kind} match “{search}”.",
                locale,
                kind=title(kind, locale).lower(),
                search=escape(search),
            )
            if search
            else _("No {kind} yet.", locale, kind=title(kind, locale).lower())
        )
        return dump([section(text)])
    blocks: list[Block] = []
    for record in records[:PAGE]:
        name = escape(clip(record.name, 200))
        price = _price(record.fields.get("unit_price"), locale)
        line = f"*{name}*" + (f"  ·  {price}" if price is not None else "")
        question = _(
            "Delete {name}? It will not be imported from QuickBooks again.",
            locale,
            name=clip(record.name, 150),
        )
        blocks.append(
            section(
                line,
                accessory=button(
                    _("Delete", locale),
                    ids.DELETE_RECORD,
                    f"{kind.value}:{record.id}",
                    style="danger",
                    confirm=confirm(
                        _("Delete?", locale), question, _("Delete", locale), _("Keep", locale)
                    ),
                ),
            )
        )
    if len(records) > PAGE:
        blocks.append(
            context(_("More match: search with more letters to narrow the list.", locale))
        )
    return dump(blocks)


def _price(value: Any, locale: str) -> str | None:
    """An item's unit price as the locale writes money (kept as QuickBooks had it otherwise)."""
    if value is None:
        return None
    try:
        return format_amount(Decimal(str(value)), locale)
    except InvalidOperation:
        return escape(str(value))


def disconnect_blocks(locale: str) -> list[dict[str, Any]]:
    """The question before disconnecting QuickBooks (J6)."""
    question = _("QuickBooks tokens are revoked at Intuit; what was imported stays.", locale)
    return dump(
        [
            section(_("Disconnect QuickBooks from this workspace?", locale)),
            actions(
                button(
                    _("Disconnect", locale),
                    ids.DISCONNECT,
                    "disconnect",
                    style="danger",
                    confirm=confirm(
                        _("Disconnect?", locale),
                        question,
                        _("Disconnect", locale),
                        _("Cancel", locale),
                    ),
                )
            ),
        ]
    )
