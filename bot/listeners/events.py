"""Events: the Home tab opened. (Uninstalls and revoked tokens are Bolt's token revocation
listeners, which delete the workspace's installations from our store.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.listeners import home

if TYPE_CHECKING:
    from bot.config import AppServices


def register(app: AsyncApp, services: AppServices) -> None:
    """Register the event listeners."""
    home.register(app, services)
