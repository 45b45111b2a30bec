"""Block Kit pieces, built with slack_sdk's models so Slack's limits fail in tests, not in Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def escape(text: str) -> str:
    """Make text safe inside mrkdwn: Slack's three control characters, as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local_time(value: datetime, tokens: str, fallback: str) -> str:
    """A moment each reader sees in their own time zone and clock style: Slack's
    <!date^unix^tokens|fallback> (mrkdwn only, never plain_text), e.g. tokens "{date_num} {time}";
    fallback, a strftime format, is written in UTC for clients that cannot show it."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    shown = moment.astimezone(UTC).strftime(fallback)
    return f"<!date^{int(moment.timestamp())}^{tokens}|{shown} UTC>"


def local_date_time(value: datetime) -> str:
    """A day and time of day (to the minute) each reader sees in their own time zone."""
    return local_time(value, "{date_num} {time}", "%Y-%m-%d %H:%M")


def clip(text: str, limit: int) -> str:
    """Cut text to a limit, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, HEADER_TEXT)))


def section(text: str, accessory: Any = None, block_id: str | None = None) -> SectionBlock:
    """A section of mrkdwn text (already escaped where it holds people's data)."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT)),
        accessory=accessory,
        block_id=block_id,
    )


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_TEXT))])


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    url: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=clip(text, BUTTON_TEXT)),
        action_id=action_id,
        value=value,
        style=style,
        url=url,
        confirm=confirm,
    )


def confirm(title: str, text: str, yes: str, no: str) -> ConfirmObject:
    return ConfirmObject(
        title=PlainTextObject(text=clip(title, 100)),
        text=PlainTextObject(text=clip(text, 300)),
        confirm=PlainTextObject(text=clip(yes, 30)),
        deny=PlainTextObject(text=clip(no, 30)),
        style="danger",
    )


def actions(*elements: Any, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(elements), block_id=block_id)


def dump(blocks: list[Block]) -> list[dict[str, Any]]:
    """Return blocks as Slack takes them, each validated against Block Kit's limits."""
    if len(blocks) > MESSAGE_BLOCKS:
        raise ValueError(f"a message holds at most {MESSAGE_BLOCKS} blocks, not {len(blocks)}")
    return [block.to_dict() for block in blocks]


def bar(done: int, total: int | None, width: int = 20) -> str:
    """A text progress bar: ▓▓▓▓░░░░."""
    if not total:
        return "░" * width
    filled = min(width, round(width * done / total))
    return "▓" * filled + "░" * (width - filled)
