"""The Home tab, published when a person opens it and after anything that changes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.home import RECENT, home_view
from importer.domain.model import Account

if TYPE_CHECKING:
    from bot.config import AppServices


async def publish_home(
    services: AppServices, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """Publish the Home tab of the person in context."""
    user_id = context.user_id
    if user_id is not None:
        await publish_home_for(
            services, client, context["account"], user_id, context["locale"], context["admin"]
        )


async def publish_home_for(
    services: AppServices,
    client: AsyncWebClient,
    account: Account,
    user_id: str,
    locale: str,
    admin: bool = True,
) -> None:
    """Publish one person's Home tab (also outside a request: after the browser sign-in)."""
    status = await services.status.status(account)
    recent = await services.jobs.recent(account, limit=RECENT)
    view = home_view(status, recent, locale, admin=admin)
    await client.views_publish(user_id=user_id, view=view)


def register(app: AsyncApp, services: AppServices) -> None:
    """Publish the Home tab each time a person opens it (Slack resends it; that is harmless)."""

    async def opened(
        event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") == "home":
            await publish_home(services, client, context)

    app.event("app_home_opened")(opened)
