"""QBO webhooks: signed deliveries in both formats taken, everything else refused with no side
effect, redeliveries harmless; auto-import brings in what they announce, with the same rules."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from qbo_simulator import WebhookEvent, sign

from importer.domain.jobs import JobOrigin, JobStatus
from importer.domain.model import Kind
from importer.ports.clock import utcnow
from importer.services.webhooks import MAX_BODY_BYTES, AutoImport
from tests.web.conftest import Web

ROUTE = "/quickbooks/webhooks"
_NO_WINDOW = timedelta(0)


def url(web: Web) -> str:
    return str(web.client.make_url(ROUTE))


async def pending(web: Web) -> list[str]:
    events = await web.services.store.pending_webhook_events(utcnow())
    return sorted(f"{e.entity}:{e.entity_id}:{e.operation}" for e in events)


async def post(web: Web, body: bytes, signature: str | None) -> tuple[int, object]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["intuit-signature"] = signature
    response = await web.client.post(ROUTE, data=body, headers=headers)
    return response.status, await response.json()


@pytest.mark.parametrize("format", ["classic", "cloudevents"])
async def test_signed_deliveries_are_taken_in_both_formats(web_app: Web, format: str) -> None:
    await web_app.connect(await web_app.account())
    events = [WebhookEvent("Customer", "58"), WebhookEvent("Item", "20", "Update")]

    (delivery,) = await web_app.sim.send_webhook(url(web_app), events, format)  # type: ignore[arg-type]  # a Literal taken from the parameter

    assert (delivery.status, delivery.attempts) == (200, 1)
    assert await pending(web_app) == ["customer:58:create", "item:20:update"]


async def test_redeliveries_and_events_out_of_order_are_kept_once(web_app: Web) -> None:
    await web_app.connect(await web_app.account())
    events = [WebhookEvent("Customer", str(n)) for n in range(40, 46)]

    deliveries = await web_app.sim.send_webhook(url(web_app), events, "cloudevents", chaos=True)

    assert len(deliveries) > len(events)  # chaos sent some twice, one by one, shuffled
    assert {d.status for d in deliveries} == {200}
    assert await pending(web_app) == sorted(f"customer:{n}:create" for n in range(40, 46))


async def test_companies_nobody_connected_are_ignored(web_app: Web) -> None:
    body = json.dumps(
        {"eventNotifications": [{"realmId": "123", "dataChangeEvent": {"entities": []}}]}
    ).encode()
    events = [WebhookEvent("Customer", "1", realm_id="999")]

    (delivery,) = await web_app.sim.send_webhook(url(web_app), events)
    status, _ = await post(web_app, body, sign(body, web_app.sim.webhook_verifier_token))

    assert (delivery.status, status) == (200, 200)
    assert await pending(web_app) == []


async def test_bad_missing_and_replayed_signatures_are_refused(web_app: Web) -> None:
    await web_app.connect(await web_app.account())
    token = web_app.sim.webhook_verifier_token
    body = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": web_app.sim.realm_id,
                    "dataChangeEvent": {
                        "entities": [{"name": "Customer", "id": "7", "operation": "Create"}]
                    },
                }
            ]
        },
        separators=(",", ":"),
    ).encode()
    signature = sign(body, token)
    altered = body.replace(b'"7"', b'"8"')

    assert (await post(web_app, body, None))[0] == 401
    assert (await post(web_app, body, sign(body, "another token")))[0] == 401
    assert (await post(web_app, body, signature[:-2] + "=="))[0] == 401
    assert (await post(web_app, altered, signature))[0] == 401
    assert await pending(web_app) == []
    assert (await post(web_app, body, signature))[0] == 200
    assert await pending(web_app) == ["customer:7:create"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"stuff": "5"}', b'[{"type": "not.qbo"}]', b'{"eventNotifications": 3}'],
)
async def test_malformed_bodies_are_refused(web_app: Web, body: bytes) -> None:
    status, answer = await post(web_app, body, sign(body, web_app.sim.webhook_verifier_token))

    assert status == 400
    assert "not a QuickBooks notification" in str(answer)
    assert await pending(web_app) == []


async def test_an_oversize_body_is_refused(web_app: Web) -> None:
    body = b"[" + b" " * MAX_BODY_BYTES + b"]"
    signature = sign(body, web_app.sim.webhook_verifier_token)
    response = await web_app.client.post(
        ROUTE, data=io.BytesIO(body), headers={"intuit-signature": signature}
    )
    assert response.status == 413
    assert await pending(web_app) == []


async def auto_import_window(web: Web) -> list[JobStatus]:
    """Gather the events into jobs and carry each out, as a worker would."""
    services = web.services
    jobs = await AutoImport(services.store, services.jobs, window=_NO_WINDOW).sweep()
    worker = services.worker()
    statuses = []
    for _ in jobs:
        claimed = await services.store.claim_job(worker.owner, 60)
        assert claimed is not None
        assert claimed.origin is JobOrigin.AUTO_IMPORT
        done = await worker.carry_out(claimed)
        assert done is not None
        statuses.append(done.status)
    return statuses


async def test_auto_import_brings_in_what_webhooks_announce_with_the_same_rules(
    web_app: Web,
) -> None:
    services = web_app.services
    acme = await web_app.account("Acme")
    await web_app.connect(acme)
    await services.accounts.set_auto_import(acme, True)
    await services.records.add(acme, Kind.CLIENTS, "Cool  CARS", {})  # exists already (R1)
    company = web_app.sim.company
    new = company.add_customer("Zoe’s Zinnias")
    same = company.add_customer("cool cars 2")
    item = company.add_item("Mulch", UnitPrice=12.5)
    events = [
        WebhookEvent("Customer", new["Id"]),
        WebhookEvent("Customer", "3"),  # Cool Cars in the sample company: skipped, exists
        WebhookEvent("Customer", same["Id"], "Update"),
        WebhookEvent("Item", item["Id"]),
        WebhookEvent("Customer", "2", "Merge", deleted_id="4"),  # recorded, changes nothing
    ]
    await web_app.sim.send_webhook(url(web_app), events, "classic")

    assert await auto_import_window(web_app) == [JobStatus.SUCCEEDED]

    clients = {r.name for r in await services.records.list(acme, Kind.CLIENTS)}
    items = {r.name for r in await services.records.list(acme, Kind.ITEMS)}
    assert clients == {"Cool  CARS", "Zoe’s Zinnias", "cool cars 2"}
    assert items == {"Mulch"}
    (job,) = await services.jobs.recent(acme)
    assert job.outcome is not None
    assert job.outcome["clients"]["skipped"]["exists"] == 1
    assert await pending(web_app) == []

    deleted = await services.records.delete(acme, Kind.CLIENTS, "Zoe's Zinnias")
    assert deleted.record is not None
    await web_app.sim.send_webhook(url(web_app), [WebhookEvent("Customer", new["Id"], "Update")])
    assert await auto_import_window(web_app) == [JobStatus.SUCCEEDED]
    assert "Zoe’s Zinnias" not in {r.name for r in await services.records.list(acme, Kind.CLIENTS)}


async def test_an_account_without_auto_import_gets_nothing(web_app: Web) -> None:
    acme = await web_app.account("Acme")
    await web_app.connect(acme)
    new = web_app.sim.company.add_customer("Zoe's Zinnias")

    await web_app.sim.send_webhook(url(web_app), [WebhookEvent("Customer", new["Id"])])

    assert await auto_import_window(web_app) == []
    assert await web_app.services.records.count(acme, Kind.CLIENTS) == 0
    assert await pending(web_app) == []


async def test_a_signature_that_is_not_ascii_is_refused(web_app: Web) -> None:
    await web_app.connect(await web_app.account())
    body = b'{"eventNotifications": []}'
    signature = "é" + sign(body, web_app.sim.webhook_verifier_token)[1:]
    response = await web_app.client.post(
        ROUTE, data=body, headers={"intuit-signature": signature.encode().decode("latin-1")}
    )

    assert response.status == 401
    assert "Traceback" not in await response.text()
    assert await pending(web_app) == []


@pytest.mark.parametrize("sweepers", ["one worker", "a worker per window"])
async def test_one_event_makes_one_job_per_account_even_while_one_account_is_busy(
    web_app: Web, sweepers: str
) -> None:
    services = web_app.services
    acme, beta = await web_app.account("Acme"), await web_app.account("Beta")
    for account in (acme, beta):
        await web_app.connect(account)  # both to the simulator's one company
        await services.accounts.set_auto_import(account, True)
    busy = await services.store.claim_job("busy", 60)  # Acme's clients import runs on
    assert busy is None
    await services.jobs.request(acme, (Kind.CLIENTS,))
    busy = await services.store.claim_job("busy", 60)
    assert busy is not None
    new = web_app.sim.company.add_customer("Zoe's Zinnias")
    await web_app.sim.send_webhook(url(web_app), [WebhookEvent("Customer", new["Id"])])
    sweeper = AutoImport(services.store, services.jobs, window=_NO_WINDOW)

    async def windows() -> list[str]:
        """Sweep three windows; a worker finishes each job queued before the next window."""
        accounts = []
        for _ in range(3):
            # Workers restarted, or several sweeping in turn: who had an event is in the store.
            here = (
                sweeper
                if sweepers == "one worker"
                else AutoImport(services.store, services.jobs, window=_NO_WINDOW)
            )
            accounts += [job.account_id for job in await here.sweep()]
            while (job := await services.store.claim_job("worker", 60)) is not None:
                await services.store.finish_job(job.id, "worker", JobStatus.SUCCEEDED)
        return accounts

    while_busy = await windows()
    await services.store.finish_job(busy.id, "busy", JobStatus.SUCCEEDED)
    after = await windows()

    assert while_busy == [beta.id]  # Acme's own clients import is under way: it waits
    assert after == [acme.id]  # then Acme gets the event, once; Beta does not again


async def test_an_update_of_a_customer_renamed_after_its_import_imports_nothing(
    web_app: Web,
) -> None:
    services = web_app.services
    acme = await web_app.account("Acme")
    await web_app.connect(acme)
    await services.accounts.set_auto_import(acme, True)
    zoe = web_app.sim.company.add_customer("Zoe’s Zinnias")
    await web_app.sim.send_webhook(url(web_app), [WebhookEvent("Customer", zoe["Id"])])
    assert await auto_import_window(web_app) == [JobStatus.SUCCEEDED]
    web_app.sim.company.rename("Customer", zoe["Id"], "Zoe’s Zinnias & Ferns")

    await web_app.sim.send_webhook(url(web_app), [WebhookEvent("Customer", zoe["Id"], "Update")])

    assert await auto_import_window(web_app) == [JobStatus.SUCCEEDED]
    clients = await services.records.list(acme, Kind.CLIENTS)
    assert [client.name for client in clients] == ["Zoe’s Zinnias"]
    renamed, _first = await services.jobs.recent(acme)
    assert renamed.outcome is not None
    assert renamed.outcome["clients"]["imported"] == 0
    assert renamed.outcome["clients"]["skipped"]["already_imported"] == 1
    assert await pending(web_app) == []
