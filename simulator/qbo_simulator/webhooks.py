"""Webhook notifications: classic and CloudEvents bodies, signatures, delivery with retries."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import aiohttp

Format = Literal["classic", "cloudevents"]
VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}


@dataclass(frozen=True)
class WebhookEvent:
    """One entity change to announce."""

    entity: str
    id: str
    operation: str = "Create"
    realm_id: str = ""
    last_updated: str = ""
    deleted_id: str | None = None
    event_id: str = ""


def stamped(event: WebhookEvent, realm_id: str) -> WebhookEvent:
    """Return the event with its company, time and CloudEvents id filled in, once."""
    return replace(
        event,
        realm_id=event.realm_id or realm_id,
        last_updated=event.last_updated or _now(),
        event_id=event.event_id or str(uuid.uuid4()),
    )


@dataclass
class Delivery:
    """What happened to one POST of a webhook body."""

    body: bytes
    signature: str
    attempts: int = 0
    status: int | None = None


def sign(body: bytes, verifier_token: str) -> str:
    """Return the intuit-signature of a raw body: base64(HMAC-SHA256(body, verifier token))."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def classic_body(events: Sequence[WebhookEvent]) -> dict[str, Any]:
    """Build the classic `eventNotifications` body, one element per realm."""
    realms: dict[str, list[dict[str, str]]] = {}
    for event in events:
        entry = {
            "name": event.entity,
            "id": event.id,
            "operation": event.operation,
            "lastUpdated": event.last_updated or _now(),
        }
        if event.deleted_id is not None:
            entry["deletedId"] = event.deleted_id
        realms.setdefault(event.realm_id, []).append(entry)
    return {
        "eventNotifications": [
            {"realmId": realm, "dataChangeEvent": {"entities": entities}}
            for realm, entities in realms.items()
        ]
    }


def cloudevents_body(events: Sequence[WebhookEvent], source: str) -> list[dict[str, Any]]:
    """Build the CloudEvents 1.0 array body."""
    body = []
    for event in events:
        verb = VERBS.get(event.operation, event.operation.lower())
        item: dict[str, Any] = {
            "specversion": "1.0",
            "id": event.event_id or str(uuid.uuid4()),
            "source": source,
            "type": f"qbo.{event.entity.lower()}.{verb}.v1",
            "datacontenttype": "application/json",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z"),
            "intuitentityid": event.id,
            "intuitaccountid": event.realm_id,
        }
        item["data"] = {"deletedid": event.deleted_id} if event.deleted_id else {}
        body.append(item)
    return body


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def batches(events: Sequence[WebhookEvent], chaos: bool, rng: random.Random) -> list[list[Any]]:
    """Group events into deliveries; chaos sends them one by one, shuffled, some twice."""
    if not chaos:
        return [list(events)]
    singles = [[event] for event in events]
    duplicates = [single for single in singles if rng.random() < 0.5] or singles[:1]
    deliveries = singles + duplicates
    rng.shuffle(deliveries)
    return deliveries


async def deliver(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    verifier_token: str,
    *,
    timeout_s: float,
    retry_delays: Sequence[float],
    schema: str,
) -> Delivery:
    """POST one signed body, retrying after non-200 answers or answers slower than `timeout_s`."""
    delivery = Delivery(body, sign(body, verifier_token))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "intuit-signature": delivery.signature,
        "intuit-t-id": str(uuid.uuid4()),
        "intuit-created-time": _now(),
        "intuit-notification-schema-version": schema,
        "User-Agent": "intuit_notification_server/0.1",
    }
    for delay in (None, *retry_delays):
        if delay is not None:
            await asyncio.sleep(delay)
        delivery.attempts += 1
        try:
            async with session.post(
                url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout_s)
            ) as response:
                await response.read()
                delivery.status = response.status
        except (TimeoutError, aiohttp.ClientError):
            delivery.status = None
            continue
        if delivery.status == 200:
            break
    return delivery


def encode(payload: Any) -> bytes:
    """Serialise a webhook body the compact way Intuit does."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
