"""Without `Accept: application/json` the API answers in XML, as QBO does."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from qbo_simulator.testing import Api

NS = {"q": "http://schema.intuit.com/finance/v3"}


async def fetch(
    api: Api, method: str, path: str, accept: str | None, **kwargs: Any
) -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {api.token}"}
    if accept is not None:
        headers["Accept"] = accept
    async with api.session.request(
        method,
        f"{api.company}/{path}",
        headers=headers,
        skip_auto_headers=["Accept"],
        **kwargs,
    ) as response:
        return response.status, response.content_type, await response.text()


@pytest.mark.parametrize("accept", [None, "*/*", "application/xml"])
async def test_query_without_json_accept_answers_xml(api: Api, accept: str | None) -> None:
    status, content_type, text = await fetch(
        api, "GET", "query", accept, params={"query": "SELECT * FROM Customer"}
    )
    root = ET.fromstring(text)
    response = root.find("q:QueryResponse", NS)
    assert status == 200
    assert content_type == "application/xml"
    assert root.tag == "{http://schema.intuit.com/finance/v3}IntuitResponse"
    assert root.get("time")
    assert response is not None
    assert (response.get("startPosition"), response.get("maxResults")) == ("1", "29")
    customers = response.findall("q:Customer", NS)
    amy = customers[0]
    assert len(customers) == 29
    assert amy.findtext("q:DisplayName", namespaces=NS) == "Amy's Bird Sanctuary"
    assert amy.findtext("q:Id", namespaces=NS) == "1"
    assert amy.findtext("q:Active", namespaces=NS) == "true"
    assert amy.findtext("q:BillAddr/q:City", namespaces=NS) == "Bayshore"
    assert amy.get("domain") == "QBO"
    currency = amy.find("q:CurrencyRef", NS)
    assert currency is not None
    assert (currency.text, currency.get("name")) == ("USD", "United States Dollar")


async def test_json_accept_still_answers_json(api: Api) -> None:
    status, content_type, _ = await fetch(
        api,
        "GET",
        "query",
        "application/json",
        params={"query": "SELECT * FROM Customer"},
    )
    json_status, body = await api.query("SELECT * FROM Customer")
    assert (status, content_type, json_status) == (200, "application/json", 200)
    assert len(body["QueryResponse"]["Customer"]) == 29


async def test_reads_writes_and_faults_answer_xml(api: Api) -> None:
    _, read_type, read = await fetch(api, "GET", "item/5", None)
    _, _, created = await fetch(api, "POST", "customer", None, json={"DisplayName": "Ñandú Farms"})
    missing, _, fault = await fetch(api, "GET", "customer/999", None)
    bad, _, parse = await fetch(api, "GET", "query", None, params={"query": "SELECT FROM"})

    item = ET.fromstring(read).find("q:Item", NS)
    assert read_type == "application/xml"
    assert item is not None
    assert item.findtext("q:Name", namespaces=NS) == "Rock Fountain"
    assert item.findtext("q:QtyOnHand", namespaces=NS) == "2"
    customer = ET.fromstring(created).find("q:Customer", NS)
    assert customer is not None
    assert customer.findtext("q:Id", namespaces=NS) == "30"
    assert customer.findtext("q:DisplayName", namespaces=NS) == "Ñandú Farms"
    for status, text, code in ((missing, fault, "610"), (bad, parse, "4000")):
        error = ET.fromstring(text).find("q:Fault/q:Error", NS)
        assert status == 400
        assert error is not None
        assert error.get("code") == code
        assert error.findtext("q:Message", namespaces=NS)


async def test_authentication_fault_answers_xml(api: Api) -> None:
    api.token = "not-a-token"
    status, _, text = await fetch(api, "GET", "customer/1", None)
    error = ET.fromstring(text).find("q:Fault/q:Error", NS)
    assert status == 401
    assert error is not None
    assert error.get("code") == "3200"
