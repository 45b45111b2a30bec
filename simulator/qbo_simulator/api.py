"""The Accounting API under /v3/company/{realmId}: auth, limits, faults, then the resource."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from aiohttp import web

from qbo_simulator import batch, resources
from qbo_simulator import envelopes as env
from qbo_simulator.cdc import changes
from qbo_simulator.faults import Fault
from qbo_simulator.query import QueryParseError, QueryValidationError, parse_query
from qbo_simulator.resources import ENTITY_PATHS, WRITABLE
from qbo_simulator.state import LoggedRequest
from qbo_simulator.throttle import Throttle
from qbo_simulator.writes import WriteFault, not_found

if TYPE_CHECKING:
    from qbo_simulator.state import SimulatorState


def routes(sim: SimulatorState) -> list[web.RouteDef]:
    """Build the API routes of one simulator."""
    # Batch requests have a limit of their own per minute, on top of the one for every request.
    batches = Throttle(max_in_flight=sys.maxsize, per_minute=sim.config.batch_per_minute)

    async def handle(request: web.Request) -> web.StreamResponse:
        realm_id, tail = request.match_info["realm"], request.match_info["tail"]
        statement = None
        if tail == "query":
            statement = request.query.get("query") if request.method == "GET" else None
            statement = statement if statement is not None else await request.text()
        logged = LoggedRequest(request.method, request.path, request.query_string, statement)
        sim.requests.append(logged)
        response = await _guarded(sim, batches, request, realm_id, tail, statement)
        # Without `Accept: application/json` QBO answers in XML (§2.2).
        response = env.negotiated(request.headers.get("Accept", ""), response)
        logged.status = response.status
        return response

    return [web.route("*", "/v3/company/{realm}/{tail:.*}", handle)]


async def _guarded(
    sim: SimulatorState,
    batches: Throttle,
    request: web.Request,
    realm_id: str,
    tail: str,
    statement: str | None,
) -> web.StreamResponse:
    start = None
    if statement is not None:
        try:
            start = parse_query(statement).start
        except ValueError:
            start = None
    hits = sim.faults.next_request(start)
    if any(fault.kind == "expire" for fault in hits):
        sim.tokens.expire_access_tokens()
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return env.unauthorized("Token invalid: no bearer token")
    grant = sim.tokens.check(header[7:].strip())
    if grant is None:
        return env.unauthorized("Token expired: the access token is invalid or has expired")
    if grant.realm_id != realm_id:
        return env.forbidden()
    if not sim.throttle.admit(realm_id):
        return env.throttled(sim.config.throttle_retry_after)
    is_batch = tail.strip("/").lower() == "batch"
    if is_batch and not batches.admit(realm_id):
        sim.throttle.release(realm_id)
        return env.throttled(sim.config.throttle_retry_after)
    try:
        if sim.config.latency_ms:
            await asyncio.sleep(sim.config.latency_ms / 1000)
        for fault in hits:
            failure = await _apply(fault)
            if failure is not None:
                return failure
        response = await _dispatch(sim, request, tail, statement)
        bad = next((fault.body for fault in hits if fault.kind == "badbody"), None)
        return response if bad is None else env.bad_body(bad, response)
    finally:
        sim.throttle.release(realm_id)
        if is_batch:
            batches.release(realm_id)


async def _apply(fault: Fault) -> web.Response | None:
    if fault.kind == "throttle":
        return env.throttled(fault.retry_after)
    if fault.kind.isdigit():
        return env.server_error(int(fault.kind))
    if fault.kind == "timeout":
        await asyncio.sleep(fault.seconds)
    elif fault.kind == "hang":
        await asyncio.Event().wait()
    return None


def _unsupported(request: web.Request) -> web.Response:
    return env.fault_response(
        400,
        "500",
        "Unsupported Operation",
        f"Operation Could not find resource for relative : {request.path} of full path: "
        f"{request.url} is not supported.",
    )


async def _dispatch(
    sim: SimulatorState, request: web.Request, tail: str, statement: str | None
) -> web.Response:
    parts = tail.strip("/").split("/")
    head = parts[0].lower()
    if statement is not None:
        return _query(sim, statement)
    if head == "batch" and request.method == "POST" and len(parts) == 1:
        try:
            body = resources.decode(await request.text())
        except WriteFault as refused:
            return _refused(refused)
        status, payload = batch.answer(sim.company, body, sim.config.batch_max_items)
        return env.json_response(payload, status)
    if head == "cdc" and request.method == "GET":
        status, payload = changes(sim.company, request.query)
        return env.json_response(payload, status)
    if head == "companyinfo" and request.method == "GET" and len(parts) == 2:
        if parts[1] != sim.realm_id:
            return _not_found()
        return env.json_response(env.with_time({"CompanyInfo": sim.company.info}))
    if head == "preferences" and request.method == "GET" and len(parts) == 1:
        return env.json_response(env.with_time({"Preferences": sim.company.preferences}))
    entity = ENTITY_PATHS.get(head)
    if entity is None:
        return _unsupported(request)
    if request.method == "GET" and len(parts) == 2:
        record = sim.company.get(entity, parts[1])
        return env.json_response(env.with_time({entity: record})) if record else _not_found()
    if request.method == "POST" and len(parts) == 1 and entity in WRITABLE:
        if request.query.get("operation", "").lower() == "delete":
            return _unsupported(request)
        try:
            record = resources.write(sim.company, entity, resources.decode(await request.text()))
        except WriteFault as refused:
            return _refused(refused)
        return env.json_response(env.with_time({entity: record}))
    return _unsupported(request)


def _refused(error: Exception) -> web.Response:
    return env.json_response(env.with_time({"Fault": resources.fault_of(error)}), 400)


def _not_found() -> web.Response:
    return _refused(not_found())


def _query(sim: SimulatorState, statement: str) -> web.Response:
    try:
        selection = resources.select(sim.company, statement)
    except (QueryParseError, QueryValidationError) as error:
        return _refused(error)
    if selection.query.count:
        return env.json_response(env.count_envelope(len(selection.rows)))
    # The page's rows go out as cached JSON, so a long crawl encodes each row once.
    page = selection.page
    return env.query_response(selection.entity, page, selection.query.start, sim.encoded_rows)
