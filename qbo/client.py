"""The QBO Accounting API over aiohttp: queries, paging, company details, retries and limits."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import aiohttp

from importer.domain.errors import QboError, ServerError, ThrottledError
from importer.domain.messages import N_
from importer.ports.source import PauseListener
from qbo.bodies import BodyTooLarge, network_problem, read_limited
from qbo.faults import error_for
from qbo.limits import RealmLimiter
from qbo.schema import MalformedBody, json_number, query_rows

log = logging.getLogger(__name__)

MINOR_VERSION = "75"
PAGE_SIZE = 1000
ALL_RECORDS = "Active IN (true, false)"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

Row = TypeVar("Row")


def quote_literal(value: str) -> str:
    """Return value as a QBO query string literal: backslashes, then apostrophes escaped."""
    # Curly quotes need no escape inside a correctly quoted literal (quickbooks-ruby #309).
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class AccessTokens(Protocol):
    """Where the client gets its bearer token, and a new one after a 401."""

    async def current(self) -> str: ...

    async def renew(self, rejected: str) -> str: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter."""

    attempts: int = 5
    base_delay: float = 1.0
    # Intuit says to wait 60 s after a 429 without Retry-After (§5.2).
    throttle_delay: float = 60.0
    max_delay: float = 300.0
    timeout: float = 120.0

    def delay(self, attempt: int, *, throttled: bool, retry_after: float | None) -> float:
        """Return how long to wait before retry number attempt (0-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        base = self.throttle_delay if throttled else self.base_delay
        wait: float = min(base * 2**attempt, self.max_delay)
        return wait * random.uniform(0.75, 1.0)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


LARGE_BODY = 64 * 1024
# The most of one answer read into memory: a page of 1,000 customers is about 1-2 MB, and 1,000
# at every field's limit stay below this. A bigger answer is refused, not read.
MAX_BODY = 32 * 1024 * 1024

Decoded = TypeVar("Decoded")
# Reads a 200 body (with its headers, for the fault's intuit_tid, and the action for messages).
Decode = Callable[[bytes, Mapping[str, str], str], Decoded]


async def _decoded(body: bytes, decode: Callable[[bytes], Decoded]) -> Decoded:
    """Decode a body; a big one off the event loop, so the next requests go out meanwhile."""
    if len(body) < LARGE_BODY:
        return decode(body)
    return await asyncio.to_thread(decode, body)


async def _decoded_answer(
    body: bytes, headers: Mapping[str, str], action: str, decode: Decode[Decoded]
) -> Decoded:
    return await _decoded(body, lambda data: decode(data, headers, action))


def page_statement(entity: str, start: int, size: int, where: str) -> str:
    """Return the query for one page of an entity in stable Id order."""
    return (
        f"SELECT * FROM {entity} WHERE {where} ORDERBY Id STARTPOSITION {start} MAXRESULTS {size}"
    )


class QboClient:
    """Read one QBO company through the Accounting API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_base: str,
        realm_id: str,
        tokens: AccessTokens,
        limiter: RealmLimiter,
        retry: RetryPolicy | None = None,
        *,
        max_body: int = MAX_BODY,
        on_pause: PauseListener | None = None,
    ) -> None:
        self._session = session
        self._max_body = max_body
        self._on_pause = on_pause
        self._company_url = f"{api_base.rstrip('/')}/company/{realm_id}"
        self.realm_id = realm_id
        self._tokens = tokens
        self.limiter = limiter
        self._retry = retry or RetryPolicy()

    def __repr__(self) -> str:
        return f"QboClient(realm_id={self.realm_id!r})"

    async def get(self, path: str, params: Mapping[str, str], action: str) -> dict[str, Any]:
        """GET a company resource as JSON (money as Decimal), with retries and one 401 renewal."""
        return await self._call(path, params, action, self._payload)

    async def _call(
        self, path: str, params: Mapping[str, str], action: str, decode: Decode[Decoded]
    ) -> Decoded:
        """GET a company resource and decode its 200 body, with retries and one 401 renewal.

        A 200 whose body cannot be read as QBO's (MalformedBody) is retried like a 5xx, and
        ends, like one, in a ServerError saying so.
        """
        url = f"{self._company_url}/{path}"
        query = {**params, "minorversion": MINOR_VERSION}
        token = await self._tokens.current()
        renewed = False
        attempt = 0
        while True:
            try:
                status, body, headers = await self._send(url, query, token)
            except BodyTooLarge as error:
                # Asking again would bring the same answer: refuse it at once.
                raise ServerError(
                    N_(
                        "QuickBooks sent an answer larger than this service reads ({problem}) "
                        "while {action}"
                    ),
                    problem=str(error),
                    action=action,
                ) from None
            except (TimeoutError, aiohttp.ClientError) as error:
                failure: QboError = ServerError(
                    N_("QuickBooks did not answer while {action} ({problem})"),
                    action=action,
                    problem=network_problem(error),
                )
                status, headers = 0, {}
            else:
                if status == 200:
                    try:
                        return await _decoded_answer(body, headers, action, decode)
                    except MalformedBody as error:
                        failure = ServerError(
                            N_(
                                "QuickBooks sent an answer that could not be read while {action} "
                                "({problem})"
                            ),
                            action=action,
                            problem=error.text,
                            intuit_tid=headers.get("intuit_tid"),
                            status=status,
                        )
                else:
                    failure = error_for(
                        status,
                        body.decode("utf-8", "replace"),
                        intuit_tid=headers.get("intuit_tid"),
                        action=action,
                    )
                    if status == 401 and not renewed:
                        renewed = True
                        token = await self._tokens.renew(token)
                        continue
                    if status not in RETRYABLE_STATUS:
                        raise failure
            attempt += 1
            if attempt >= self._retry.attempts:
                raise failure
            throttled = isinstance(failure, ThrottledError)
            wait = self._retry.delay(
                attempt - 1, throttled=throttled, retry_after=_retry_after(headers)
            )
            if throttled:
                self.limiter.hold(wait)
                if self._on_pause is not None:
                    await self._on_pause(wait)
            log.info("QBO %s; retry %d in %.1fs", failure, attempt, wait)
            await asyncio.sleep(wait)

    async def _send(
        self, url: str, query: Mapping[str, str], token: str
    ) -> tuple[int, bytes, Mapping[str, str]]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self._retry.timeout)
        async with (
            self.limiter.slot(),
            self._session.get(url, params=query, headers=headers, timeout=timeout) as response,
        ):
            body = await read_limited(response, self._max_body)
            return response.status, body, response.headers.copy()

    @staticmethod
    def _payload(text: bytes, headers: Mapping[str, str], action: str) -> dict[str, Any]:
        try:
            body = json.loads(text, parse_float=json_number)
        except ValueError:
            raise MalformedBody(N_("not JSON")) from None
        if not isinstance(body, dict):
            raise MalformedBody(N_("not a JSON object"))
        # A 200 may still carry a Fault (§5.3).
        if "Fault" in body or "fault" in body:
            raise error_for(400, text.decode(), intuit_tid=headers.get("intuit_tid"), action=action)
        return body

    @classmethod
    def _query_response(
        cls, text: bytes, headers: Mapping[str, str], action: str
    ) -> dict[str, Any]:
        return _object(cls._payload(text, headers, action), "QueryResponse")

    async def query(self, statement: str) -> dict[str, Any]:
        """Run a query statement and return its QueryResponse (empty when QBO found nothing)."""
        return await self._call(
            "query", {"query": statement}, N_("running a query"), self._query_response
        )

    async def page(
        self, entity: str, start: int, size: int = PAGE_SIZE, where: str = ALL_RECORDS
    ) -> list[dict[str, Any]]:
        """Return one page of an entity in Id order, inactive records included."""

        def rows(text: bytes, headers: Mapping[str, str], action: str) -> list[dict[str, Any]]:
            return query_rows(
                {"QueryResponse": self._query_response(text, headers, action)}, entity
            )

        statement = page_statement(entity, start, size, where)
        return await self._call("query", {"query": statement}, N_("running a query"), rows)

    async def records(
        self,
        entity: str,
        decode: Callable[[bytes], list[Row]],
        start: int,
        size: int = PAGE_SIZE,
        where: str = ALL_RECORDS,
    ) -> list[Row]:
        """Return one page of an entity in Id order as typed records (qbo.schema)."""

        def typed(text: bytes, headers: Mapping[str, str], action: str) -> list[Row]:
            if b'"Fault"' in text[:200] or b'"fault"' in text[:200]:
                self._payload(text, headers, action)  # raises the fault (§5.3)
            return decode(text)

        statement = page_statement(entity, start, size, where)
        return await self._call("query", {"query": statement}, N_("reading a page"), typed)

    async def count(self, entity: str, where: str = ALL_RECORDS) -> int:
        """Return how many records of an entity match (inactive ones too by default)."""

        def total(text: bytes, headers: Mapping[str, str], action: str) -> int:
            found = self._query_response(text, headers, action).get("totalCount", 0)
            if not isinstance(found, int) or isinstance(found, bool) or found < 0:
                raise MalformedBody(N_("totalCount is {found}"), found=repr(found)[:80])
            return found

        statement = f"SELECT COUNT(*) FROM {entity} WHERE {where}"
        return await self._call("query", {"query": statement}, N_("counting records"), total)

    async def read_all(self, entity: str, where: str = ALL_RECORDS) -> list[dict[str, Any]]:
        """Read every matching record page by page, stopping on a missing array or short page."""
        rows: list[dict[str, Any]] = []
        start = 1
        while True:
            page = await self.page(entity, start, where=where)
            rows.extend(page)
            # Never compare maxResults to the page size: QBO has returned 101 for 100 (§3.2).
            if len(page) < PAGE_SIZE:
                return rows
            start += len(page)

    async def find(self, entity: str, field: str, value: str) -> list[dict[str, Any]]:
        """Return the records whose field equals value (any characters in value are safe)."""
        return await self.read_all(entity, f"{field} = {quote_literal(value)} AND {ALL_RECORDS}")

    async def _read_object(self, path: str, key: str, action: str) -> dict[str, Any]:
        def decode(text: bytes, headers: Mapping[str, str], action: str) -> dict[str, Any]:
            return _object(self._payload(text, headers, action), key)

        return await self._call(path, {}, action, decode)

    async def company_info(self) -> dict[str, Any]:
        """Return the CompanyInfo object (name, country…)."""
        path = f"companyinfo/{self.realm_id}"
        return await self._read_object(path, "CompanyInfo", N_("reading the company details"))

    async def preferences(self) -> dict[str, Any]:
        """Return the Preferences object (home currency, multicurrency, tax set-up)."""
        return await self._read_object(
            "preferences", "Preferences", N_("reading the company preferences")
        )

    async def income_accounts(self) -> list[dict[str, Any]]:
        """Return the active accounts of type Income."""
        return await self.read_all("Account", "AccountType = 'Income' AND Active = true")

    async def tax_codes(self) -> list[dict[str, Any]]:
        """Return the active tax codes (non-US companies book tax with them)."""
        return await self.read_all("TaxCode", "Active = true")

    async def changes(self, entities: Sequence[str], since: str) -> dict[str, list[dict[str, Any]]]:
        """Return records of these entities changed since an ISO time (CDC, ≤30 days back).

        A record merged away in QuickBooks comes back as a stub: Id, `"status": "Deleted"`,
        MetaData.LastUpdatedTime and nothing else.
        """

        def decode(
            text: bytes, headers: Mapping[str, str], action: str
        ) -> dict[str, list[dict[str, Any]]]:
            responses = self._payload(text, headers, action).get("CDCResponse")
            if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
                raise MalformedBody(N_("{key} is not a list of objects"), key="CDCResponse")
            found: dict[str, list[dict[str, Any]]] = {entity: [] for entity in entities}
            for response in responses:
                queries = response.get("QueryResponse", [])
                if not isinstance(queries, list) or not all(isinstance(q, dict) for q in queries):
                    raise MalformedBody(N_("a CDC QueryResponse is not a list of objects"))
                for query in queries:
                    for entity in entities:
                        found[entity].extend(query_rows({"QueryResponse": query}, entity))
            return found

        params = {"entities": ",".join(entities), "changedSince": since}
        return await self._call("cdc", params, N_("reading recent changes"), decode)


def _object(body: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return body[key], which QBO documents as an object; MalformedBody when it is not."""
    value = body.get(key)
    if not isinstance(value, dict):
        raise MalformedBody(N_("{key} is not an object"), key=key)
    return value
