"""Change Data Capture: what changed since a moment, at most 1000 objects, 30 days back."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from qbo_simulator import envelopes as env
from qbo_simulator.data import ENTITIES, Company

MAX_OBJECTS = 1000
MAX_AGE = 30 * 86400
_CANONICAL = {name.lower(): name for name in ENTITIES}


def _refuse(detail: str, code: str = "4001") -> tuple[int, dict[str, Any]]:
    return 400, env.fault(code, "Invalid CDC request", detail)


def changes(company: Company, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """Answer a CDC request: (status, body)."""
    names = [n.strip() for n in params.get("entities", "").split(",") if n.strip()]
    since_text = params.get("changedSince", "")
    if not names:
        return _refuse("Required parameter entities is missing in the request", "2020")
    if not since_text:
        return _refuse("Required parameter changedSince is missing in the request", "2020")
    try:
        since = env.parse_qbo_time(since_text).timestamp()
    except ValueError:
        return _refuse(f"Invalid changedSince value: {since_text}")
    if since < time.time() - MAX_AGE:
        return _refuse("changedSince cannot be more than 30 days in the past")
    entities = [_CANONICAL.get(n.lower()) for n in names]
    if None in entities:
        return _refuse(f"Invalid entity in entities list: {','.join(names)}")
    budget = MAX_OBJECTS
    responses: list[dict[str, Any]] = []
    for entity in entities:
        assert entity is not None
        rows = company.changed_since(entity, since)[:budget]
        budget -= len(rows)
        responses.append(
            {entity: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {}
        )
    return 200, env.with_time({"CDCResponse": [{"QueryResponse": responses}]})
