"""POST /batch: several creates, updates, deletes and queries answered in one response.

Each `BatchItemRequest` is answered on its own, in order, by a `BatchItemResponse` with the same
`bId` holding the entity, a `QueryResponse` or a `Fault`; one refused item does not stop the
others, and the HTTP status stays 200.
"""

from __future__ import annotations

from typing import Any

from qbo_simulator import envelopes as env
from qbo_simulator import resources
from qbo_simulator.data import Company
from qbo_simulator.query import QueryParseError, QueryValidationError
from qbo_simulator.writes import WriteFault, invalid_body, required

OPERATIONS = ("create", "update", "delete")


def too_many(count: int, limit: int) -> dict[str, Any]:
    """Return the fault for a batch holding more payloads than allowed (wording unverified)."""
    return env.fault(
        "6000",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: A batch request can hold at most {limit} BatchItemRequest "
        f"payloads; this one has {count}.",
        element="BatchItemRequest",
    )


def answer(company: Company, body: Any, limit: int) -> tuple[int, dict[str, Any]]:
    """Answer a decoded batch body: (status, payload)."""
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return 400, env.with_time({"Fault": resources.fault_of(invalid_body())})
    if len(items) > limit:
        return 400, too_many(len(items), limit)
    return 200, env.with_time({"BatchItemResponse": [_one(company, item) for item in items]})


def _one(company: Company, item: dict[str, Any]) -> dict[str, Any]:
    answered: dict[str, Any] = {"bId": item.get("bId", "")}
    try:
        if "Query" in item:
            selection = resources.select(company, str(item["Query"]))
            answered["QueryResponse"] = resources.query_response(selection)
            return answered
        entity, record = _entity(item)
        operation = str(item.get("operation", "")).lower()
        if operation == "create":
            record = {k: v for k, v in record.items() if k not in ("Id", "SyncToken")}
        elif operation == "update":
            if "Id" not in record:
                raise required("Id")
        else:
            # Deleting a customer or an item is refused: name lists are only deactivated.
            raise _unsupported(f"Operation {operation or '(none)'} is not supported for {entity}.")
        answered[entity] = resources.write(company, entity, record)
    except (QueryParseError, QueryValidationError, WriteFault) as refused:
        answered["Fault"] = resources.fault_of(refused)
    return answered


def _entity(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for key, value in item.items():
        if key in resources.WRITABLE and isinstance(value, dict):
            return key, value
    names = [key for key in item if key not in ("bId", "operation", "optionsData")]
    raise _unsupported(f"Operation on {', '.join(names) or 'nothing'} is not supported.")


def _unsupported(detail: str) -> WriteFault:
    return WriteFault("500", "Unsupported Operation", detail)
