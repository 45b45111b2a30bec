"""Direct messages: the app's conversation with one person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.render.messages import text_blocks


async def dm_channel(client: AsyncWebClient, user: str) -> str:
    """Return the id of the app's direct-message channel with user (Slack opens it if needed)."""
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])


async def send_dm(
    client: AsyncWebClient, user: str, text: str, blocks: Sequence[Any] | None = None
) -> tuple[str, str]:
    """Post text (shown as blocks, plain by default) to user's DM; return (channel, ts)."""
    channel = await dm_channel(client, user)
    posted = await client.chat_postMessage(
        channel=channel, text=text, blocks=list(blocks) if blocks is not None else text_blocks(text)
    )
    return channel, str(posted["ts"])
