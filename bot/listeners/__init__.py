"""Listeners, grouped by kind; each module has a register(app, …)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from bot.listeners import actions, commands, context, events, wizard

if TYPE_CHECKING:
    from bot.config import AppServices, SlackConfig
    from bot.people import People


def register_all(app: AsyncApp, services: AppServices, people: People, config: SlackConfig) -> None:
    """Register the middleware that resolves who asks (R7), then every listener."""
    context.register(app, services, people)
    commands.register(app, services)
    actions.register(app, services)
    events.register(app, services)
    wizard.register(app, services)
