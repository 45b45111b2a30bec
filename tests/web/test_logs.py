"""Service logs: JSON lines carrying the request's id, and never a configured secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from invoice2go.logs import REDACTED, configure
from tests.web.conftest import Web


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    yield stream
    root.handlers[:] = before[0]
    root.setLevel(before[1])


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_lines_are_json_with_the_request_id_and_no_secret(
    web_app: Web, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = web_app.sim.webhook_verifier_token
    monkeypatch.setattr("sys.stderr", captured)
    configure("DEBUG", [secret, "short"], json=True)
    logging.getLogger("invoice2go.test").info("the verifier is %s", secret)

    response = await web_app.client.post(
        "/quickbooks/webhooks",
        data=b"{}",
        headers={"X-Request-Id": "req-42", "intuit-signature": "not-it"},
    )

    assert response.status == 401
    found = lines(captured)
    assert {"time", "level", "logger", "message"} <= set(found[0])
    assert found[0]["message"] == f"the verifier is {REDACTED}"
    refused = [line for line in found if "webhook refused" in str(line["message"])]
    assert refused
    assert refused[0]["request_id"] == "req-42"
    assert secret not in captured.getvalue()
    assert "not-it" not in captured.getvalue()
