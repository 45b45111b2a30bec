"""Intuit's fault bodies (JSON in either capitalisation, or XML) read into the project's errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from importer.domain.errors import (
    AuthError,
    NotFoundError,
    QboError,
    ServerError,
    ThrottledError,
    ValidationError,
)
from importer.domain.messages import N_, Text


@dataclass(frozen=True, slots=True)
class Fault:
    """The first error of an Intuit fault: code without zero padding, message and detail."""

    code: str
    message: str
    detail: str
    type: str = ""


def _strip_code(code: object) -> str:
    text = str(code or "").strip()
    # Intuit pads some codes ("003200"); compare them as numbers.
    return text.lstrip("0") or ("0" if text else "")


def _pick(mapping: dict[str, object], name: str) -> object:
    # The 401 body spells the fault keys in lowercase, every other fault capitalises them.
    for key in (name, name.lower(), name[:1].lower() + name[1:]):
        if key in mapping:
            return mapping[key]
    return None


def _json_fault(text: str) -> Fault | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    fault = _pick(body, "Fault")
    if not isinstance(fault, dict):
        return None
    errors = _pick(fault, "Error")
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        first = {}
    return Fault(
        code=_strip_code(_pick(first, "code")),
        message=str(_pick(first, "Message") or ""),
        detail=str(_pick(first, "Detail") or ""),
        type=str(_pick(fault, "type") or ""),
    )


def _xml_fault(text: str) -> Fault | None:
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Error":
            parts = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in element}
            return Fault(
                code=_strip_code(element.get("code")),
                message=parts.get("Message", "").strip(),
                detail=parts.get("Detail", "").strip(),
            )
    return None


def parse_fault(text: str) -> Fault | None:
    """Return the first error of a fault body, JSON (either capitalisation) or XML, or None."""
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml_fault(stripped)
    return _json_fault(stripped) if stripped else None


def error_for(status: int, text: str, *, intuit_tid: str | None, action: str) -> QboError:
    """Build the exception for a failed API response, deciding by status before the body.

    action says what was being done (an N_ message, "reading a page"); Intuit's own words
    about the fault follow the sentence as they are.
    """
    fault = parse_fault(text)
    said = "" if fault is None else (fault.detail or fault.message)
    kind: type[QboError]
    if status == 429 or (fault is not None and fault.code == "3001"):
        kind = ThrottledError
        sentence = N_("QuickBooks is limiting requests while {action}; try again in a minute")
    elif status in (401, 403):
        kind, sentence = AuthError, N_("QuickBooks refused access while {action}")
    elif status == 404:
        kind, sentence = (
            NotFoundError,
            N_("QuickBooks did not find what was asked for while {action}"),
        )
    elif status >= 500:
        kind, sentence = ServerError, N_("QuickBooks failed while {action} (HTTP {http})")
    else:
        kind, sentence = ValidationError, N_("QuickBooks rejected the request while {action}")
    message: str = sentence
    values: dict[str, Any] = {"action": action, "http": str(status)}
    if said:
        message, values = (
            N_("{sentence}: {detail}"),
            {"sentence": Text(sentence, values), "detail": said},
        )
    if kind is ValidationError:
        code = fault.code if fault is not None else ""
        return ValidationError(message, code=code, intuit_tid=intuit_tid, status=status, **values)
    return kind(message, intuit_tid=intuit_tid, status=status, **values)
