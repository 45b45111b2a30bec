"""Webhook bodies, intuit-signature, delivery retries and chaos, received by a real endpoint."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from qbo_simulator import Simulator, WebhookEvent, sign


@dataclass
class Receiver:
    """A webhook endpoint on loopback that records bodies and can fail the first answers."""

    url: str = ""
    failures: int = 0
    bodies: list[bytes] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: web.Request) -> web.Response:
        state.bodies.append(await request.read())
        state.signatures.append(request.headers["intuit-signature"])
        if state.failures:
            state.failures -= 1
            return web.Response(status=503)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.url = f"http://{host}:{port}/hook"
    yield state
    await runner.cleanup()


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (b'{"stuff":"5"}', "nfPLN16u3vMvv08ghDs+dOkLuirEVDy5wAeG/lmM2OA="),
        (b'{"eventNotifications":[]}', "8X7OtBzjygYCrs72isyM9SpkJ3Qn7wdSrph5DCH70yY="),
    ],
)
def test_signature_matches_the_reference_vectors(body: bytes, signature: str) -> None:
    assert sign(body, "verify_me") == signature


async def test_classic_delivery_is_signed_and_grouped_by_realm(
    qbo_simulator: Simulator, receiver: Receiver
) -> None:
    events = [
        WebhookEvent("Customer", "1"),
        WebhookEvent("Customer", "27", "Merge", deleted_id="28"),
    ]
    (delivery,) = await qbo_simulator.send_webhook(receiver.url, events)
    (body,) = receiver.bodies
    notification = json.loads(body)["eventNotifications"][0]
    assert delivery.status == 200
    assert receiver.signatures == [sign(body, qbo_simulator.webhook_verifier_token)]
    assert notification["realmId"] == qbo_simulator.realm_id
    merged = notification["dataChangeEvent"]["entities"][1]
    assert (merged["operation"], merged["deletedId"]) == ("Merge", "28")


async def test_cloudevents_body_and_retry_after_failures(
    qbo_simulator: Simulator, receiver: Receiver
) -> None:
    receiver.failures = 2
    (delivery,) = await qbo_simulator.send_webhook(
        receiver.url, [WebhookEvent("Item", "5", "Update")], "cloudevents", retry_delays=(0, 0, 0)
    )
    events = json.loads(receiver.bodies[-1])
    assert (delivery.attempts, delivery.status) == (3, 200)
    assert events[0]["type"] == "qbo.item.updated.v1"
    assert (events[0]["intuitentityid"], events[0]["intuitaccountid"]) == (
        "5",
        qbo_simulator.realm_id,
    )
    assert events[0]["specversion"] == "1.0"


async def test_chaos_mode_duplicates_and_sends_events_separately(
    qbo_simulator: Simulator, receiver: Receiver
) -> None:
    events = [WebhookEvent("Customer", str(i)) for i in range(1, 9)]
    deliveries = await qbo_simulator.send_webhook(receiver.url, events, chaos=True)
    ids = [
        json.loads(body)["eventNotifications"][0]["dataChangeEvent"]["entities"][0]["id"]
        for body in receiver.bodies
    ]
    assert len(deliveries) > len(events)
    assert set(ids) == {str(i) for i in range(1, 9)}
    assert len(ids) > len(set(ids))
