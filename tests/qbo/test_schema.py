"""Decoding QBO pages: exact prices, and one odd record does not sink its page."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from importer.domain.model import Kind, SkipReason
from importer.domain.rules import precheck
from qbo.mapping import client_from_customer, item_from_qbo
from qbo.schema import decode_customers, decode_items


def test_prices_stay_exact() -> None:
    body = b'{"QueryResponse":{"Item":[{"Id":"5","Name":"Rock Fountain","UnitPrice":0.1000000000000000055511151231257827,"Type":"Inventory"}],"startPosition":1,"maxResults":1},"time":"2026-11-28T10:00:00.000-08:00"}'  # noqa: E501
    [item] = decode_items(body)
    assert item.UnitPrice == Decimal("0.1000000000000000055511151231257827")
    assert item_from_qbo(item).fields["unit_price"] == "0.1000000000000000055511151231257827"


def test_an_empty_page_has_no_records() -> None:
    assert decode_customers(b'{"QueryResponse":{},"time":"2026-11-28T10:00:00.000-08:00"}') == []


def test_a_record_of_an_odd_shape_keeps_its_name_and_its_page(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = (
        b'{"QueryResponse":{"Customer":['
        b'{"Id":"1","DisplayName":"Amy\'s Bird Sanctuary","Taxable":true},'
        b'{"Id":"2","DisplayName":"Bill\'s Windsurf Shop","Taxable":"sometimes",'
        b'"PrimaryEmailAddr":{"Address":"bill@example.com"}}]}}'
    )
    with caplog.at_level(logging.WARNING, logger="qbo.schema"):
        customers = decode_customers(body)
    clients = [client_from_customer(customer) for customer in customers]
    assert [c.name for c in clients] == ["Amy's Bird Sanctuary", "Bill's Windsurf Shop"]
    assert clients[0].fields == {"taxable": True}
    # Only the odd field is left out, and the log says which record lost what.
    assert clients[1].fields == {"email": "bill@example.com"}
    assert "QBO Customer 2" in caplog.text
    assert "$.Taxable" in caplog.text


def test_a_record_whose_name_is_not_text_is_reported_invalid() -> None:
    body = b'{"QueryResponse":{"Customer":[{"Id":"3","DisplayName":12345}]}}'
    [customer] = decode_customers(body)
    candidate = client_from_customer(customer)
    assert candidate.qbo_id == "3"
    assert precheck(Kind.CLIENTS, candidate) is SkipReason.INVALID
