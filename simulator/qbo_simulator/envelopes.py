"""Response bodies shaped like Intuit's: envelopes, faults, the 401 JSON, the 429 XML, and XML
for every answer when the request does not accept JSON."""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from aiohttp import web

from qbo_simulator import xml

# Sandbox companies stamp times in Pacific time; a fixed offset keeps output stable.
PACIFIC = timezone(timedelta(hours=-7))

THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time}">'
    '<Fault type="SERVICE"><Error code="3001">'
    "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
    "<Detail>The request limit was reached.  Try again later</Detail>"
    "</Error></Fault></IntuitResponse>"
)


def qbo_time(moment: datetime | None = None, *, millis: bool = True) -> str:
    """Format a moment the way QBO does, e.g. 2026-05-02T10:00:00.000-07:00."""
    local = (moment or datetime.now(UTC)).astimezone(PACIFIC)
    text = local.isoformat(timespec="milliseconds" if millis else "seconds")
    return text


def parse_qbo_time(text: str) -> datetime:
    """Parse a QBO date or datetime literal; naive values are taken as Pacific time."""
    cleaned = text.strip().replace(" ", "+")
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    return moment if moment.tzinfo else moment.replace(tzinfo=PACIFIC)


def new_tid() -> str:
    """Return a fresh intuit_tid correlation id."""
    return f"1-{secrets.token_hex(4)}-{secrets.token_hex(12)}"


# A Decimal goes out as the JSON number it reads as, digit for digit (QBO's money is JSON
# numbers): json writes it as a marked string first, and the marks are then taken off.
_MARK = f"number-{secrets.token_hex(6)}:"
_MARKED = re.compile(f'"{_MARK}([^"]*)"')


def _exact(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return f"{_MARK}{value}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload: Any) -> bytes:
    """Serialise compactly; Decimals (e.g. a record's UnitPrice) as exact JSON numbers."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=_exact)
    return (_MARKED.sub(r"\1", text) if _MARK in text else text).encode()


def json_response(payload: dict[str, Any], status: int = 200) -> web.Response:
    """Serialise a payload compactly, with a QBO-style content type."""
    return web.Response(
        status=status, body=dumps(payload), content_type="application/json", charset="utf-8"
    )


def bad_body(kind: str, answer: web.Response) -> web.Response:
    """Turn an answer into a 200 whose body is not QBO's (the `badbody` fault)."""
    if kind == "text":
        page = "<html><body><h1>Service temporarily unavailable</h1></body></html>"
        return web.Response(text=page, content_type="text/html")
    if kind == "truncated":
        body = answer.body if isinstance(answer.body, bytes) else b"{}"
        return web.Response(body=body[: len(body) // 2], content_type="application/json")
    return json_response(with_time({"QueryResponse": None if kind == "null" else []}))


def negotiated(accept: str, response: web.StreamResponse) -> web.StreamResponse:
    """Answer in XML, as QBO does, unless the request's Accept asks for JSON."""
    if (
        xml.wants_json(accept)
        or not isinstance(response, web.Response)
        or response.content_type != "application/json"
        or not isinstance(response.body, bytes)
    ):
        return response
    try:
        payload = json.loads(response.body)
    except ValueError:  # a `badbody=truncated` answer stays as broken as it was asked to be
        return response
    return web.Response(
        status=response.status,
        body=xml.document(payload, qbo_time()),
        content_type="application/xml",
        charset="utf-8",
    )


def with_time(payload: dict[str, Any]) -> dict[str, Any]:
    """Add the top-level server `time` that every QBO JSON answer carries."""
    payload["time"] = qbo_time()
    return payload


def fault(
    code: str, message: str, detail: str, *, kind: str = "ValidationFault", element: str = ""
) -> dict[str, Any]:
    """Build a capitalised `Fault` envelope."""
    error = {"Message": message, "Detail": detail, "code": code, "element": element}
    return with_time({"Fault": {"Error": [error], "type": kind}})


def fault_response(
    status: int, code: str, message: str, detail: str, *, kind: str = "ValidationFault"
) -> web.Response:
    """Answer with a capitalised `Fault` body."""
    return json_response(fault(code, message, detail, kind=kind), status)


def unauthorized(detail: str) -> web.Response:
    """Answer 401 with the lowercase `fault` JSON real QBO sends for bad tokens."""
    body: dict[str, Any] = {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": int(time.time() * 1000),
        "status": None,
        "cdcresponse": [],
    }
    return json_response(body, 401)


def forbidden() -> web.Response:
    """Answer 403 code 3100: the token does not belong to this company."""
    return fault_response(
        403,
        "3100",
        "message=AuthorizationFailed; errorCode=003100; statusCode=403",
        "Authorization Failure: this app is not authorized to access this company.",
        kind="SERVICE",
    )


def throttled(retry_after: int | None) -> web.Response:
    """Answer 429 with the XML ThrottleExceeded body, whatever the Accept header says."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return web.Response(
        status=429,
        text=THROTTLE_XML.format(time=qbo_time()),
        content_type="application/xml",
        headers=headers,
    )


def server_error(status: int) -> web.Response:
    """Answer a 5xx: JSON SystemFault for 500, a gateway HTML page for 502/503."""
    if status == 500:
        return fault_response(
            500,
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving "
            "your data. Please wait a few minutes and try again.",
            kind="SystemFault",
        )
    reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
    page = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
    )
    return web.Response(status=status, text=page, content_type="text/html")


def query_body(entity: str, rows: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """Return the QueryResponse object of a page of rows; an empty page is an empty object."""
    if not rows:
        return {}
    return {entity: rows, "startPosition": start, "maxResults": len(rows)}


def query_envelope(entity: str, rows: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """Wrap a page of rows; an empty page is an empty QueryResponse."""
    return with_time({"QueryResponse": query_body(entity, rows, start)})


class EncodedRows:
    """JSON of rows already served, so a crawl of 100,000 rows encodes each row once.

    Rows are replaced (never changed in place) on update, so a row's identity names its content;
    each entry keeps its row alive, so an id() is never reused while cached.
    """

    def __init__(self, limit: int = 250_000) -> None:
        self._limit = limit
        self._cache: dict[int, tuple[dict[str, Any], bytes]] = {}

    def encode(self, row: dict[str, Any]) -> bytes:
        """Return the row's compact JSON."""
        hit = self._cache.get(id(row))
        if hit is not None and hit[0] is row:
            return hit[1]
        if len(self._cache) >= self._limit:
            self._cache.clear()
        data = dumps(row)
        self._cache[id(row)] = (row, data)
        return data


def query_response(
    entity: str, rows: list[dict[str, Any]], start: int, encoded: EncodedRows
) -> web.Response:
    """Answer a query page like query_envelope, joining the rows' cached JSON."""
    if not rows:
        return json_response(query_envelope(entity, rows, start))
    body = b"".join(
        (
            b'{"QueryResponse":{"' + entity.encode() + b'":[',
            b",".join(encoded.encode(row) for row in rows),
            b'],"startPosition":%d,"maxResults":%d},"time":"' % (start, len(rows)),
            qbo_time().encode(),
            b'"}',
        )
    )
    return web.Response(body=body, content_type="application/json", charset="utf-8")


def count_body(total: int) -> dict[str, Any]:
    """Return the QueryResponse object of a COUNT(*) answer."""
    return {"totalCount": total}


def count_envelope(total: int) -> dict[str, Any]:
    """Wrap a COUNT(*) answer."""
    return with_time({"QueryResponse": count_body(total)})
