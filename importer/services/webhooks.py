"""QBO webhooks (J7): verify and keep what Intuit sends, then auto-import what it announces.

The route only verifies, parses and stores, then answers: Intuit wants an answer within three
seconds. A worker later gathers the events of a short window and queues one auto-import job per
account, reading just the changed records through the same engine and rules (R1–R5).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from importer.domain.errors import (
    ConfigurationError,
    NotConnected,
    PlanNotEnabled,
    ReconnectNeeded,
)
from importer.domain.jobs import Job, JobOrigin
from importer.domain.messages import N_
from importer.domain.model import Kind
from importer.domain.webhooks import (
    KEEP_DONE_EVENTS_DAYS,
    ChangeEvent,
    MalformedNotification,
    parse_notification,
)
from importer.ports.clock import Clock, utcnow
from importer.ports.webhooks import WebhookEventStore
from importer.services.jobs import JobService

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class WebhookRefused(Exception):
    """A delivery that is not taken: the status to answer and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a delivery held: events in all, new ones kept, and those of unknown companies."""

    events: int
    kept: int
    unknown: int


def signature_of(body: bytes, verifier_token: str) -> str:
    """Return Intuit's intuit-signature for a raw body: base64(HMAC-SHA256(body, token))."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class WebhookService:
    """Take webhook deliveries: verify, parse, keep (deduplicated); never act inline."""

    def __init__(self, events: WebhookEventStore, verifier_token: str | None) -> None:
        self._events = events
        self._token = verifier_token

    async def receive(self, body: bytes, signature: str | None) -> Receipt:
        """Verify and keep one delivery; raise WebhookRefused with the status to answer."""
        if not self._token:
            raise ConfigurationError(
                N_("missing configuration: set {names}"), names="QBO_WEBHOOK_VERIFIER_TOKEN"
            )
        if len(body) > MAX_BODY_BYTES:
            raise WebhookRefused(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        expected = signature_of(body, self._token).encode()
        # As bytes: a header with characters beyond ASCII is simply wrong, not an error.
        given = (signature or "").strip().encode("utf-8", "replace")
        if not given or not hmac.compare_digest(given, expected):
            raise WebhookRefused(401, "the intuit-signature header is missing or wrong")
        try:
            events = parse_notification(json.loads(body))
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            reason = str(error) if isinstance(error, MalformedNotification) else "not JSON"
            raise WebhookRefused(400, f"not a QuickBooks notification: {reason}") from None
        known = await self._events.connected_realms([event.realm_id for event in events])
        mine = [event for event in events if event.realm_id in known]
        kept = await self._events.save_webhook_events(mine)
        return Receipt(len(events), kept, len(events) - len(mine))


class AutoImport:
    """Gather a window's events and queue one auto-import job per account that wants them."""

    def __init__(
        self,
        events: WebhookEventStore,
        jobs: JobService,
        *,
        window: timedelta = timedelta(seconds=10),
        clock: Clock = utcnow,
    ) -> None:
        self._events = events
        self._jobs = jobs
        self._window = window
        self._clock = clock
        self._purged_at: datetime | None = None

    async def sweep(self) -> list[Job]:
        """Act on the events of the last window that are due; return the jobs queued.

        Each account gets each event once: an account whose import of a kind is under way gets
        that kind's events in a later window, while the other accounts are not asked again.
        The events are marked acted on when every account has had them."""
        await self._purge()
        due = await self._events.pending_webhook_events(self._clock() - self._window)
        if not due:
            return []
        queued: list[Job] = []
        done: list[str] = []
        for realm_id, events in _by_realm(due).items():
            settled = True
            for account in await self._events.auto_import_accounts(realm_id):
                todo = [
                    event
                    for event in events
                    if event.kind is not None and account.id not in event.handed
                ]
                if not todo:
                    continue
                wanted: dict[Kind, set[str]] = defaultdict(set)
                for event in todo:
                    assert event.kind is not None
                    wanted[event.kind].add(event.entity_id)
                try:
                    request = await self._jobs.request(
                        account,
                        sorted(wanted),
                        origin=JobOrigin.AUTO_IMPORT,
                        record_ids={kind: sorted(ids) for kind, ids in wanted.items()},
                    )
                except (PlanNotEnabled, NotConnected, ReconnectNeeded) as refused:
                    log.info("auto-import skipped for %s: %s", account.id, refused)
                    continue
                taken = () if request.queued is None else request.queued.kinds
                # Kept in the store: another worker's sweep, or this one after a restart, does
                # not give this account the same events again.
                given = [event.key for event in todo if event.kind in taken]
                await self._events.hand_webhook_events(given, account.id)
                if request.queued is not None:
                    queued.append(request.queued)
                if len(taken) < len(wanted):
                    settled = False  # the rest in a later window, after the active import
            if settled:
                done.extend(event.key for event in events)
        await self._events.mark_webhook_events(done)
        if queued:
            log.info("auto-import queued %d job(s) from %d event(s)", len(queued), len(due))
        return queued

    async def _purge(self) -> None:
        """Delete the events acted on long ago, once an hour: the table stays small."""
        now = self._clock()
        if self._purged_at is not None and now - self._purged_at < _PURGE_EVERY:
            return
        self._purged_at = now
        purged = await self._events.purge_webhook_events(now - _KEEP_DONE)
        if purged:
            log.info("deleted %d webhook event(s) acted on before %s", purged, now - _KEEP_DONE)


_PURGE_EVERY = timedelta(hours=1)
_KEEP_DONE = timedelta(days=KEEP_DONE_EVENTS_DAYS)


def _by_realm(events: list[ChangeEvent]) -> dict[str, list[ChangeEvent]]:
    grouped: dict[str, list[ChangeEvent]] = defaultdict(list)
    for event in events:
        grouped[event.realm_id].append(event)
    return grouped
