"""Slack's installation and OAuth-state stores (slack_sdk interfaces) on our own storage.

Tokens are encrypted before they reach the store and decrypted when an installation is read.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from importer.ports.clock import Clock
from importer.ports.connections import OAuthStateStore
from importer.ports.slack import SlackInstallationStore

log = logging.getLogger(__name__)

SECRET_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
STATE_PREFIX = "slack:"
STATE_LIFETIME = timedelta(minutes=10)

Seal = Callable[[str], str]


def team_key(enterprise_id: str | None, team_id: str | None, is_enterprise: bool = False) -> str:
    """Return the key an installation is kept under: the org for org installs, else the team."""
    if is_enterprise and enterprise_id:
        return f"{enterprise_id}:-"
    return f"{enterprise_id or '-'}:{team_id or '-'}"


class InstallationStore(AsyncInstallationStore):
    """Installations in our store, newest first per workspace, tokens encrypted."""

    def __init__(self, store: SlackInstallationStore, encrypt: Seal, decrypt: Seal) -> None:
        self._store = store
        self._encrypt = encrypt
        self._decrypt = decrypt

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = installation.to_dict()
        for name in SECRET_FIELDS:
            if data.get(name):
                data[name] = self._encrypt(str(data[name]))
        for name, value in list(data.items()):
            if hasattr(value, "timestamp"):
                data[name] = value.timestamp()
        key = team_key(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        await self._store.save_slack_installation(
            key, installation.user_id, float(installation.installed_at), data
        )

    async def async_save_bot(self, bot: Bot) -> None:
        """Bot tokens are kept with their installation (async_save); nothing more to do."""

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        key = team_key(enterprise_id, team_id, bool(is_enterprise_install))
        data = await self._store.find_slack_installation(key, user_id)
        if data is None:
            return None
        for name in SECRET_FIELDS:
            if data.get(name):
                data[name] = self._decrypt(str(data[name]))
        # A fresh object every time: Bolt changes the one it gets.
        return Installation(**{k: v for k, v in data.items() if k != "bot_scopes" or v})

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if installation is None else installation.to_bot()

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._store.delete_slack_installations(team_key(enterprise_id, team_id), user_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.delete_slack_installations(team_key(enterprise_id, team_id))

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.delete_slack_installations(team_key(enterprise_id, team_id))


class OAuthStates(AsyncOAuthStateStore):
    """Slack install states: random, single use, ten minutes, kept beside QuickBooks' states."""

    def __init__(self, store: OAuthStateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self._store.put_oauth_state(
            STATE_PREFIX + state, {"issued": time.time()}, self._clock() + STATE_LIFETIME
        )
        return state

    async def async_consume(self, state: str) -> bool:
        return await self._store.take_oauth_state(STATE_PREFIX + state) is not None
