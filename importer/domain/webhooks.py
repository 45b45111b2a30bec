"""QBO webhook notifications, in either format, as plain change events (reference §6).

Intuit sends the classic `eventNotifications` object (being retired) or a JSON array of
CloudEvents 1.0. Both become `ChangeEvent`s; nothing here trusts the body to be well formed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from importer.domain.model import Kind

# The QBO entities an invoicing account imports, by the names webhooks use.
ENTITY_KINDS = {"customer": Kind.CLIENTS, "item": Kind.ITEMS}
# Operations that bring a record in (or change it); merges and deletes change nothing here.
IMPORTING_OPERATIONS = frozenset({"create", "update"})
# An event acted on is kept this long, so that a redelivery is known and dropped; after that it
# is deleted (a redelivery later still is imported again, and the rules skip what exists).
KEEP_DONE_EVENTS_DAYS = 7
_VERBS = {
    "created": "create",
    "updated": "update",
    "deleted": "delete",
    "merged": "merge",
    "voided": "void",
    "emailed": "emailed",
}


class MalformedNotification(ValueError):
    """The body is JSON but not a QBO notification."""


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One entity changed in one QBO company."""

    key: str  # unique per event: deduplicates redeliveries
    realm_id: str
    entity: str  # lower case: customer, item, invoice…
    entity_id: str
    operation: str  # lower case: create, update, delete, merge…
    occurred_at: str  # as Intuit wrote it
    deleted_id: str | None = None
    # The accounts already given an auto-import job for it, while others wait for theirs.
    handed: frozenset[str] = frozenset()

    @property
    def kind(self) -> Kind | None:
        """The kind this event may import, or None (other entities, merges, deletes)."""
        if self.operation not in IMPORTING_OPERATIONS:
            return None
        return ENTITY_KINDS.get(self.entity)


def _text(value: Any) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    raise MalformedNotification(f"expected text, got {type(value).__name__}")


def _pick(item: Mapping[str, Any], name: str) -> Any:
    # Intuit's own documents spell deletedId and deletedID; compare names case-insensitively.
    for key, value in item.items():
        if key.lower() == name.lower():
            return value
    return None


def _classic_key(realm: str, entity: Mapping[str, Any]) -> str:
    # Classic events carry no id of their own: what changed and when identifies one.
    parts = [realm, *(str(_pick(entity, f) or "") for f in ("name", "id", "operation"))]
    parts.append(str(_pick(entity, "lastUpdated") or ""))
    return "classic:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _classic(payload: Mapping[str, Any]) -> list[ChangeEvent]:
    notifications = payload.get("eventNotifications")
    if not isinstance(notifications, list):
        raise MalformedNotification("eventNotifications is not a list")
    events = []
    for notification in notifications:
        if not isinstance(notification, Mapping):
            raise MalformedNotification("a notification is not an object")
        realm = _text(notification.get("realmId"))
        change = notification.get("dataChangeEvent") or {}
        entities = change.get("entities") if isinstance(change, Mapping) else None
        if not isinstance(entities, list):
            raise MalformedNotification("dataChangeEvent.entities is not a list")
        for entity in entities:
            if not isinstance(entity, Mapping):
                raise MalformedNotification("an entity is not an object")
            deleted = _pick(entity, "deletedId")
            events.append(
                ChangeEvent(
                    key=_classic_key(realm, entity),
                    realm_id=realm,
                    entity=_text(_pick(entity, "name")).lower(),
                    entity_id=_text(_pick(entity, "id")),
                    operation=_text(_pick(entity, "operation")).lower(),
                    occurred_at=str(_pick(entity, "lastUpdated") or ""),
                    deleted_id=None if deleted is None else _text(deleted),
                )
            )
    return events


def _cloudevent(item: Any) -> ChangeEvent:
    if not isinstance(item, Mapping):
        raise MalformedNotification("an event is not an object")
    kind = _text(item.get("type"))
    parts = kind.split(".")
    if len(parts) < 3 or parts[0] != "qbo":
        raise MalformedNotification(f"unknown event type {kind[:80]!r}")
    data = item.get("data")
    deleted = _pick(data, "deletedId") if isinstance(data, Mapping) else None
    return ChangeEvent(
        key="ce:" + _text(item.get("id")),
        realm_id=_text(item.get("intuitaccountid")),
        entity=parts[1].lower(),
        entity_id=_text(item.get("intuitentityid")),
        operation=_VERBS.get(parts[2].lower(), parts[2].lower()),
        occurred_at=str(item.get("time") or ""),
        deleted_id=None if deleted is None else _text(deleted),
    )


def parse_notification(payload: Any) -> list[ChangeEvent]:
    """Read a decoded webhook body, classic or CloudEvents; raise MalformedNotification."""
    if isinstance(payload, list):
        return [_cloudevent(item) for item in payload]
    if isinstance(payload, Mapping) and "eventNotifications" in payload:
        return _classic(payload)
    raise MalformedNotification("neither eventNotifications nor a CloudEvents array")
