"""Webhook events as received (deduplicated), waiting for auto-import to act on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from importer.domain.model import Account
from importer.domain.webhooks import ChangeEvent


class WebhookEventStore(Protocol):
    """What the webhook route keeps and what auto-import reads back."""

    async def connected_realms(self, realm_ids: Sequence[str]) -> set[str]:
        """Return which of these QBO companies an account is connected to."""
        ...

    async def save_webhook_events(self, events: Sequence[ChangeEvent]) -> int:
        """Keep events not seen before (by key); return how many were new."""
        ...

    async def pending_webhook_events(
        self, received_before: datetime, limit: int = 1000
    ) -> list[ChangeEvent]:
        """Return events received before a time and not acted on yet, oldest first."""
        ...

    async def hand_webhook_events(self, keys: Sequence[str], account_id: str) -> None:
        """Note that an account was given an auto-import job for these events."""
        ...

    async def mark_webhook_events(self, keys: Sequence[str]) -> None:
        """Note that these events were acted on (by every account)."""
        ...

    async def purge_webhook_events(self, done_before: datetime) -> int:
        """Delete the events acted on before a time; return how many were deleted."""
        ...

    async def auto_import_accounts(self, realm_id: str) -> list[Account]:
        """Return the accounts connected to this company that turned auto-import on."""
        ...
