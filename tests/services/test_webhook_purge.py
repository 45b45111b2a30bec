"""Webhook events acted on are kept a week to know redeliveries, then deleted: auto-import's
sweep asks the store to delete them once an hour."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from importer.domain.webhooks import KEEP_DONE_EVENTS_DAYS
from importer.ports.webhooks import WebhookEventStore
from importer.services.jobs import JobService
from importer.services.webhooks import AutoImport
from tests.storage.conftest import Clock


class Events:
    """The event store's part a sweep with nothing due uses."""

    def __init__(self) -> None:
        self.purged_before: list[datetime] = []

    async def pending_webhook_events(
        self, received_before: datetime, limit: int = 1000
    ) -> list[Any]:
        return []

    async def purge_webhook_events(self, done_before: datetime) -> int:
        self.purged_before.append(done_before)
        return 0


async def test_sweeps_delete_events_done_a_week_ago_once_an_hour() -> None:
    clock = Clock()
    start = clock.now
    events = Events()
    sweeper = AutoImport(cast(WebhookEventStore, events), cast(JobService, None), clock=clock)

    for minutes in (0, 10, 59, 61, 100, 122):
        clock.now = start + timedelta(minutes=minutes)
        assert await sweeper.sweep() == []

    week = timedelta(days=KEEP_DONE_EVENTS_DAYS)
    assert events.purged_before == [
        start - week,
        start + timedelta(minutes=61) - week,
        start + timedelta(minutes=122) - week,
    ]
