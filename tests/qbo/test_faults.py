"""Fault bodies and literals: Intuit's shapes as seen in the wild."""

from __future__ import annotations

import pytest

from importer.domain.errors import (
    AuthError,
    NotFoundError,
    ServerError,
    ThrottledError,
    ValidationError,
)
from qbo.client import quote_literal
from qbo.faults import error_for, parse_fault

THROTTLE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2017-07-30T22:45:22.933-07:00">
  <Fault type="SERVICE">
    <Error code="3001">
      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
      <Detail>The request limit was reached.  Try again later</Detail>
    </Error>
  </Fault>
</IntuitResponse>"""

EXPIRED_401 = (
    '{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed;'
    ' errorCode=003200; statusCode=401","detail":"Token expired: 123","code":"003200",'
    '"element":null}],"type":"AUTHENTICATION"},"report":null,"time":1633520295688}'
)

DUPLICATE = (
    '{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied '
    'already exists.","code":"6240","element":""}],"type":"ValidationFault"},"time":"x"}'
)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (THROTTLE_XML, "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429"),
        (EXPIRED_401, "3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401"),
        (DUPLICATE, "6240", "Duplicate Name Exists Error"),
    ],
)
def test_faults_parse_in_every_shape(body: str, code: str, message: str) -> None:
    fault = parse_fault(body)
    assert fault is not None
    assert (fault.code, fault.message) == (code, message)


@pytest.mark.parametrize("body", ["", "<html>Bad gateway</html", "upstream timeout", "[1, 2]"])
def test_bodies_that_are_not_faults_give_none(body: str) -> None:
    assert parse_fault(body) is None


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, THROTTLE_XML, ThrottledError),
        (429, "", ThrottledError),
        (401, EXPIRED_401, AuthError),
        (403, "<Fault/>", AuthError),
        (404, "", NotFoundError),
        (502, "<html>Bad gateway</html>", ServerError),
        (400, DUPLICATE, ValidationError),
    ],
)
def test_status_decides_before_the_body(status: int, body: str, kind: type[Exception]) -> None:
    error = error_for(status, body, intuit_tid="tid-1", action="reading customers")
    assert type(error) is kind
    assert error.intuit_tid == "tid-1"
    assert "intuit_tid tid-1" in str(error)


def test_validation_errors_carry_the_unpadded_code() -> None:
    error = error_for(400, DUPLICATE, intuit_tid=None, action="adding a customer")
    assert isinstance(error, ValidationError)
    assert error.code == "6240"
    assert "already exists" in str(error)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("Amy's Bird Sanctuary", r"'Amy\'s Bird Sanctuary'"),
        ("Cutlery 'R Us", r"'Cutlery \'R Us'"),
        ("C:\\temp\\", r"'C:\\temp\\'"),
        ("back\\'slash", r"'back\\\'slash'"),
        ("Jeff’s “Jalopies”", "'Jeff’s “Jalopies”'"),
        ("", "''"),
    ],
)
def test_literals_escape_backslash_then_apostrophe(value: str, literal: str) -> None:
    assert quote_literal(value) == literal
