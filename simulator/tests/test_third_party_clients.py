"""Clients written against the real QBO work against the simulator unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from intuitlib.utils import validate_id_token
from qbo_simulator import Simulator, SimulatorConfig
from qbo_simulator.testing import simulator_in_thread
from quickbooks import QuickBooks
from quickbooks.batch import batch_create, batch_update
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.item import Item

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests-oauthlib refuses http:// URLs unless told the transport is trusted (loopback).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def auth_client(sim: Simulator, **tokens: str) -> AuthClient:
    # intuit-oauth treats an unknown environment name as the discovery document's URL.
    return AuthClient(sim.client_id, sim.client_secret, REDIRECT, sim.discovery_url, **tokens)


def quickbooks(sim: Simulator, client: AuthClient) -> Iterator[QuickBooks]:
    qb = QuickBooks(
        auth_client=client,
        refresh_token=client.refresh_token,
        company_id=sim.realm_id,
        minorversion=75,
    )
    qb.api_url_v3 = sim.api_base
    qb.sandbox_api_url_v3 = sim.api_base
    try:
        yield qb
    finally:
        qb.session.close()
        client.close()


def test_python_quickbooks_pages_reads_and_meets_the_throttle(plain_http: None) -> None:
    with simulator_in_thread(SimulatorConfig(customers=2345)) as sim:
        tokens = sim.issue_tokens()
        client = auth_client(sim, access_token=tokens["access_token"])
        client.refresh_token = tokens["refresh_token"]
        for qb in quickbooks(sim, client):
            seen: list[Customer] = []
            while page := Customer.all(start_position=len(seen) + 1, max_results=1000, qb=qb):
                seen.extend(page)
            item = Item.get(5, qb=qb)
            sim.inject("throttle@1")
            with pytest.raises(QuickbooksException) as throttled:
                Customer.all(qb=qb)
            statements = [r.statement for r in sim.requests if r.statement]
    active = [r for r in sim.company.lists["Customer"].rows if r["Active"]]
    assert [c.Id for c in seen] == [r["Id"] for r in active]
    assert seen[0].DisplayName == "Amy's Bird Sanctuary"
    assert statements[0] == "SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 1000"
    assert (item.Name, item.Type, item.QtyOnHand) == ("Rock Fountain", "Inventory", 2)
    assert "ThrottleExceeded" in str(throttled.value.message)
    assert "3001" in str(throttled.value.message)


def test_python_quickbooks_filters_with_apostrophes_and_counts(plain_http: None) -> None:
    with simulator_in_thread(SimulatorConfig()) as sim:
        tokens = sim.issue_tokens()
        client = auth_client(sim, access_token=tokens["access_token"])
        client.refresh_token = tokens["refresh_token"]
        for qb in quickbooks(sim, client):
            amy = Customer.filter(DisplayName="Amy's Bird Sanctuary", qb=qb)
            total = Customer.count(qb=qb)
    assert [c.Id for c in amy] == ["1"]
    assert total == 29


def test_python_quickbooks_cdc_reads_a_deleted_stub(plain_http: None) -> None:
    with simulator_in_thread(SimulatorConfig()) as sim:
        tokens = sim.issue_tokens()
        client = auth_client(sim, access_token=tokens["access_token"])
        client.refresh_token = tokens["refresh_token"]
        # A string keeps the offset; the helper formats a datetime without one.
        since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
        sim.company.merge("Customer", "29", "28")
        sim.company.add_item("Mulch")
        for qb in quickbooks(sim, client):
            changes = change_data_capture([Customer, Item], since, qb=qb)
    stub, survivor = list(changes.Customer)
    assert (stub.Id, stub.status) == ("29", "Deleted")
    assert (survivor.Id, survivor.DisplayName) == ("28", "Wedding Planning by Whitney")
    assert [item.Name for item in changes.Item] == ["Mulch"]


def test_python_quickbooks_batch_creates_and_updates(plain_http: None) -> None:
    with simulator_in_thread(SimulatorConfig()) as sim:
        tokens = sim.issue_tokens()
        client = auth_client(sim, access_token=tokens["access_token"])
        client.refresh_token = tokens["refresh_token"]
        for qb in quickbooks(sim, client):
            fresh, taken = Customer(), Customer()
            fresh.DisplayName, taken.DisplayName = "Ñandú Farms", "Cool Cars"
            created = batch_create([fresh, taken], qb=qb)
            amy = Customer.get(1, qb=qb)
            amy.CompanyName = "Amy's Birds Inc."
            updated = batch_update([amy], qb=qb)
    (made,) = created.successes
    (duplicate,) = created.faults
    (changed,) = updated.successes
    assert (made.Id, made.DisplayName) == ("30", "Ñandú Farms")
    assert duplicate.Error[0].code == "6240"
    assert duplicate.original_object is taken
    assert (changed.CompanyName, changed.SyncToken) == ("Amy's Birds Inc.", "1")
    stored = sim.company.get("Customer", "1")
    assert stored is not None
    assert stored["CompanyName"] == "Amy's Birds Inc."
    assert [r.path.rsplit("/", 1)[-1] for r in sim.requests].count("batch") == 2


def test_intuit_oauth_sees_refresh_token_rotation() -> None:
    config = SimulatorConfig(rotate_refresh_after=2)
    with simulator_in_thread(config) as sim:
        first = sim.issue_tokens()["refresh_token"]
        client = auth_client(sim, refresh_token=first)
        try:
            client.refresh()
            kept, expires = client.refresh_token, client.x_refresh_token_expires_in
            client.refresh()
            rotated = client.refresh_token
            with pytest.raises(AuthClientError) as refused:
                client.refresh(refresh_token=first)
            client.refresh()
        finally:
            client.close()
    assert kept == first
    assert 0 < expires <= 8726400
    assert rotated != first
    assert refused.value.status_code == 400
    assert b"invalid_grant" in refused.value.content
    assert client.access_token


def test_intuit_oauth_validates_the_id_token_of_an_openid_consent() -> None:
    with simulator_in_thread(SimulatorConfig()) as sim:
        client = auth_client(sim)
        try:
            url = client.get_authorization_url([Scopes.ACCOUNTING, Scopes.OPENID])
            consent = client.get(url, allow_redirects=False)
            callback = parse_qs(urlsplit(consent.headers["Location"]).query)
            client.get_bearer_token(callback["code"][0], realm_id=callback["realmId"][0])
            # intuit-oauth keeps an id_token only when its own validator accepted it.
            kept = client.id_token
            # Its validator against a different client id must refuse the same token.
            foreign = kept and validate_id_token(
                kept, "another-client", client.issuer_uri, client.jwks_uri
            )
        finally:
            client.close()
    assert callback["state"] == [client.state_token]
    assert kept
    assert client.access_token
    assert foreign is False
