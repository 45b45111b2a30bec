"""The bot token of a workspace: the one configured (one workspace) or its installation's."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore


class BotTokens:
    """Find the token to call Slack for a workspace outside a request (worker, callbacks)."""

    def __init__(
        self, token: str | None, installations: AsyncInstallationStore | None = None
    ) -> None:
        self._token = token
        self._installations = installations

    def __repr__(self) -> str:
        return "BotTokens(<hidden>)"

    async def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> str | None:
        """Return the bot token for a workspace, or None when it is not installed."""
        if self._token:
            return self._token
        if self._installations is None or team_id is None:
            return None
        bot = await self._installations.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        return None if bot is None else bot.bot_token
