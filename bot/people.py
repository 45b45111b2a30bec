"""Who is asking: Slack's users.info, read once per person every few minutes (R7, language)."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from importer.domain.workspaces import SlackUser

CACHE_SECONDS = 300.0


def slack_user(data: dict[str, Any]) -> SlackUser:
    """Build a SlackUser from users.info's user object."""
    enterprise = data.get("enterprise_user") or {}
    return SlackUser(
        id=str(data["id"]),
        team_id=data.get("team_id"),
        enterprise_id=enterprise.get("enterprise_id"),
        is_admin=bool(data.get("is_admin")),
        is_owner=bool(data.get("is_owner")),
        is_restricted=bool(data.get("is_restricted")),
        is_ultra_restricted=bool(data.get("is_ultra_restricted")),
        is_bot=bool(data.get("is_bot")),
        deleted=bool(data.get("deleted")),
        locale=data.get("locale"),
    )


class People:
    """users.info with a short memory, so a burst of clicks costs one call per person."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self._seconds = seconds
        self._known: dict[str, tuple[float, SlackUser]] = {}

    async def get(self, client: AsyncWebClient, user_id: str) -> SlackUser:
        """Return what Slack says about a person (include_locale for their language)."""
        now = time.monotonic()
        known = self._known.get(user_id)
        if known is not None and now - known[0] < self._seconds:
            return known[1]
        answer = await client.users_info(user=user_id, include_locale=True)
        user = slack_user(dict(answer["user"]))
        self._known[user_id] = (now, user)
        return user
