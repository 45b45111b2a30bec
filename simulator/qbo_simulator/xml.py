"""QBO's XML answers: what the API sends when a request's Accept does not ask for JSON.

The JSON envelopes map onto Intuit's schema (namespace http://schema.intuit.com/finance/v3): an
`IntuitResponse` root carrying `time`; objects become elements named by their QBO field; lists
repeat the element; references (`{"value", "name"}`) become `<XRef name="…">value</XRef>`; and
the fields the schema declares as attributes (`domain`, `sparse`, `status`, `startPosition`,
`maxResults`, `totalCount`, `bId`, and an error's `code` and `element`, a fault's `type`) stay
attributes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

NAMESPACE = "http://schema.intuit.com/finance/v3"
ATTRIBUTES = frozenset(
    {"domain", "sparse", "status", "startPosition", "maxResults", "totalCount", "bId"}
    | {"code", "element", "type"}
)
REFERENCE_KEYS = frozenset({"value", "name", "type"})
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def wants_json(accept: str) -> bool:
    """Say whether an Accept header asks for JSON (anything else gets XML, as from QBO)."""
    ranges = (part.split(";")[0].strip().lower() for part in accept.split(","))
    return "application/json" in ranges


def document(payload: dict[str, Any], time: str) -> bytes:
    """Render a JSON answer as an IntuitResponse document; `time` stands in when it has none."""
    payload = _capitalised(payload)
    stamp = payload.get("time")
    root = ET.Element(
        "IntuitResponse", {"xmlns": NAMESPACE, "time": stamp if isinstance(stamp, str) else time}
    )
    for key, value in payload.items():
        if key != "time":
            _add(root, key, value)
    return (DECLARATION + ET.tostring(root, encoding="unicode")).encode()


def _capitalised(payload: dict[str, Any]) -> dict[str, Any]:
    """Give the 401's lowercase `fault` the shape of every other Fault."""
    fault = payload.get("fault")
    if not isinstance(fault, dict):
        return payload
    errors = [
        {"Message": e.get("message"), "Detail": e.get("detail"), "code": e.get("code")}
        for e in fault.get("error", [])
    ]
    return {"Fault": {"Error": errors, "type": fault.get("type")}}


def _add(parent: ET.Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        for one in value:
            _add(parent, key, one)
        return
    element = ET.SubElement(parent, key)
    if not isinstance(value, dict):
        element.text = _text(value)
        return
    if "value" in value and set(value) <= REFERENCE_KEYS:
        element.text = _text(value["value"])
        for name in ("name", "type"):
            if name in value:
                element.set(name, _text(value[name]))
        return
    for inner, content in value.items():
        if inner in ATTRIBUTES and not isinstance(content, dict | list):
            element.set(inner, _text(content))
        else:
            _add(element, inner, content)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
