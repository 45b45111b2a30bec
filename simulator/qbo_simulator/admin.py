"""A small control API under /_simulator/ so a test can steer a simulator in another process.

GET    /_simulator/                       this list: {"routes": ["GET /_simulator/faults", …]}
GET    /_simulator/faults                 faults still armed, as grammar strings
POST   /_simulator/faults                 arm faults: text body or {"faults": "throttle@3,…"}
DELETE /_simulator/faults                 disarm all
GET    /_simulator/requests               API requests received so far
DELETE /_simulator/requests               forget them
POST   /_simulator/tokens                 a token response, as after consent + code exchange
POST   /_simulator/expire-access-tokens   every access token issued so far stops working
POST   /_simulator/company/{entity}       add a Customer or Item (JSON fields, no checks)
POST   /_simulator/company/{entity}/{id}  change fields of a record (sparse, no checks)
POST   /_simulator/company/{entity}/{id}/merge  {"into": id}: merge the record into another; it
                                          is deleted (CDC stub); answers the survivor and the
                                          Merge webhook event to pass to /_simulator/webhooks
POST   /_simulator/webhooks               {"url", "events": [{entity,id,operation}], "format"}
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from qbo_simulator.envelopes import json_response
from qbo_simulator.faults import FaultSpecError
from qbo_simulator.webhooks import WebhookEvent

if TYPE_CHECKING:
    from qbo_simulator.state import SimulatorState


def routes(sim: SimulatorState) -> list[web.RouteDef]:
    """Build the control routes of one simulator."""

    def faults_now() -> web.Response:
        return json_response({"faults": [str(fault) for fault in sim.faults.active()]})

    async def get_faults(request: web.Request) -> web.Response:
        return faults_now()

    async def add_faults(request: web.Request) -> web.Response:
        text = await request.text()
        if request.content_type == "application/json":
            text = str(json.loads(text).get("faults", ""))
        try:
            sim.inject(text)
        except FaultSpecError as error:
            return json_response({"error": str(error)}, 400)
        return faults_now()

    async def clear_faults(request: web.Request) -> web.Response:
        sim.clear_faults()
        return faults_now()

    async def get_requests(request: web.Request) -> web.Response:
        return json_response({"requests": [dataclasses.asdict(r) for r in sim.requests]})

    async def clear_requests(request: web.Request) -> web.Response:
        sim.requests.clear()
        return json_response({"requests": []})

    async def tokens(request: web.Request) -> web.Response:
        return json_response(sim.issue_tokens())

    async def expire(request: web.Request) -> web.Response:
        sim.expire_access_tokens()
        return json_response({"expired": True})

    async def add_record(request: web.Request) -> web.Response:
        fields: dict[str, Any] = await request.json()
        entity = request.match_info["entity"].capitalize()
        if entity == "Customer" and "DisplayName" in fields:
            record = sim.company.add_customer(fields.pop("DisplayName"), **fields)
        elif entity == "Item" and "Name" in fields:
            record = sim.company.add_item(fields.pop("Name"), **fields)
        else:
            return json_response({"error": f"cannot add {entity}"}, 400)
        return json_response({entity: record})

    async def change_record(request: web.Request) -> web.Response:
        fields: dict[str, Any] = await request.json()
        entity = request.match_info["entity"].capitalize()
        try:
            record = sim.company.update(entity, request.match_info["id"], **fields)
        except KeyError as missing:
            return json_response({"error": str(missing)}, 404)
        return json_response({entity: record})

    async def merge_record(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        entity, record_id = request.match_info["entity"].capitalize(), request.match_info["id"]
        into = str(body.get("into", ""))
        try:
            survivor = sim.company.merge(entity, record_id, into)
        except KeyError as missing:
            return json_response({"error": str(missing)}, 404)
        except ValueError as refused:
            return json_response({"error": str(refused)}, 400)
        event = WebhookEvent(entity, into, "Merge", deleted_id=record_id)
        return json_response({entity: survivor, "event": dataclasses.asdict(event)})

    async def webhooks(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        events = [WebhookEvent(**event) for event in body["events"]]
        deliveries = await sim.send_webhook(
            body["url"],
            events,
            format=body.get("format", "classic"),
            chaos=body.get("chaos", False),
        )
        return json_response(
            {"deliveries": [{"attempts": d.attempts, "status": d.status} for d in deliveries]}
        )

    control = [
        web.get("/_simulator/faults", get_faults),
        web.post("/_simulator/faults", add_faults),
        web.delete("/_simulator/faults", clear_faults),
        web.get("/_simulator/requests", get_requests),
        web.delete("/_simulator/requests", clear_requests),
        web.post("/_simulator/tokens", tokens),
        web.post("/_simulator/expire-access-tokens", expire),
        web.post("/_simulator/company/{entity}", add_record),
        web.post("/_simulator/company/{entity}/{id}", change_record),
        web.post("/_simulator/company/{entity}/{id}/merge", merge_record),
        web.post("/_simulator/webhooks", webhooks),
    ]
    listed = [f"{route.method} {route.path}" for route in control]

    async def index(request: web.Request) -> web.Response:
        return json_response({"routes": listed})

    return [web.get("/_simulator/", index), *control]
