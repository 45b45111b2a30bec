"""Intuit OAuth as a client meets it: consent redirect, code exchange, refresh, revoke, 401/403."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import aiohttp
from joserfc import jwt
from joserfc.jwk import KeySet
from qbo_simulator import Simulator, SimulatorConfig
from qbo_simulator.testing import Api

REDIRECT = "http://127.0.0.1:9/quickbooks/callback"


def basic(sim: Simulator) -> dict[str, str]:
    pair = f"{sim.client_id}:{sim.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


async def consent(session: aiohttp.ClientSession, sim: Simulator, **extra: str) -> dict[str, str]:
    params = {
        "client_id": sim.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "com.intuit.quickbooks.accounting",
        "state": "xyz",
        **extra,
    }
    async with session.get(sim.auth_url, params=params, allow_redirects=False) as response:
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    assert location.path == "/quickbooks/callback"
    return {key: values[0] for key, values in parse_qs(location.query).items()}


async def token_call(
    session: aiohttp.ClientSession, sim: Simulator, form: dict[str, str]
) -> tuple[int, dict[str, object], str]:
    async with session.post(sim.token_url, data=form, headers=basic(sim)) as response:
        return response.status, await response.json(), response.headers["intuit_tid"]


async def test_consent_code_exchange_and_single_use_codes(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    redirect = await consent(session, qbo_simulator)
    assert (redirect["state"], redirect["realmId"]) == ("xyz", qbo_simulator.realm_id)
    form = {"grant_type": "authorization_code", "code": redirect["code"], "redirect_uri": REDIRECT}
    status, tokens, tid = await token_call(session, qbo_simulator, form)
    again, refused, _ = await token_call(session, qbo_simulator, form)
    assert status == 200
    assert tid
    assert set(tokens) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "x_refresh_token_expires_in",
    }
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert str(tokens["access_token"]).startswith("eyJ")
    assert ".." in str(tokens["access_token"])
    assert tokens["x_refresh_token_expires_in"] == 8726400
    assert (again, refused["error"]) == (400, "invalid_grant")


async def test_openid_consent_gets_an_id_token_signed_with_the_served_key(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    qbo_simulator.tokens.clock = lambda: 1_900_000_000.0
    scope = "com.intuit.quickbooks.accounting openid"
    redirect = await consent(session, qbo_simulator, scope=scope, sim_realm="123145000000001")
    form = {"grant_type": "authorization_code", "code": redirect["code"], "redirect_uri": REDIRECT}
    status, tokens, _ = await token_call(session, qbo_simulator, form)
    refresh = {"grant_type": "refresh_token", "refresh_token": str(tokens["refresh_token"])}
    _, refreshed, _ = await token_call(session, qbo_simulator, refresh)
    async with session.get(qbo_simulator.discovery_url) as response:
        doc = await response.json()
    async with session.get(doc["jwks_uri"]) as response:
        jwks = await response.json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    async with session.get(doc["userinfo_endpoint"], headers=bearer) as response:
        user = await response.json()
    token = jwt.decode(str(tokens["id_token"]), KeySet.import_key_set(jwks), ["RS256"])
    assert status == 200
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert token.header["kid"] == jwks["keys"][0]["kid"]
    assert token.claims == {
        "iss": doc["issuer"],
        "aud": [qbo_simulator.client_id],
        "sub": user["sub"],
        "realmid": "123145000000001",
        "auth_time": 1_900_000_000,
        "iat": 1_900_000_000,
        "exp": 1_900_000_000 + 3600,
    }
    # The reference: a refresh answers in the same shape, normally without an id_token.
    assert "id_token" not in refreshed


async def test_denied_consent_redirects_with_access_denied(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    redirect = await consent(session, qbo_simulator, sim_consent="deny")
    assert redirect == {"error": "access_denied", "state": "xyz"}


async def test_refresh_without_basic_auth_or_with_bad_token_fails(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": "AB11nonsense"}
    status, body, _ = await token_call(session, qbo_simulator, form)
    async with session.post(qbo_simulator.token_url, data=form) as anonymous:
        assert anonymous.status == 401
    assert (status, body) == (
        400,
        {"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"},
    )


async def test_client_secret_post_refresh_keeps_value_and_counts_down(
    session: aiohttp.ClientSession,
) -> None:
    async with Simulator.start(SimulatorConfig()) as sim:
        first = sim.issue_tokens()
        sim.tokens.clock = lambda: sim.tokens.refresh[first["refresh_token"]].issued_at + 100
        form = {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        }
        async with session.post(sim.token_url, data=form) as response:
            body = await response.json()
    assert body["refresh_token"] == first["refresh_token"]
    assert body["x_refresh_token_expires_in"] == 8726400 - 100
    assert body["access_token"] != first["access_token"]


async def test_revoke_needs_basic_auth_and_kills_the_connection(
    qbo_simulator: Simulator, session: aiohttp.ClientSession, api: Api
) -> None:
    tokens = qbo_simulator.issue_tokens()
    body = {"token": tokens["refresh_token"]}
    async with session.post(qbo_simulator.revoke_url, data=body) as form_only:
        assert form_only.status == 400
    async with session.post(
        qbo_simulator.revoke_url, json=body, headers=basic(qbo_simulator)
    ) as ok:
        assert ok.status == 200
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    status, _, _ = await token_call(session, qbo_simulator, form)
    api_status, _ = await api.get("customer/1", token=str(tokens["access_token"]))
    assert (status, api_status) == (400, 401)


async def test_discovery_points_at_the_simulator(
    qbo_simulator: Simulator, session: aiohttp.ClientSession
) -> None:
    base = qbo_simulator.base_url
    for path in ("openid_configuration", "openid_sandbox_configuration/"):
        async with session.get(f"{base}/.well-known/{path}") as response:
            doc = await response.json()
        assert doc["token_endpoint"] == qbo_simulator.token_url
        assert doc["revocation_endpoint"] == qbo_simulator.revoke_url
        assert doc["authorization_endpoint"] == qbo_simulator.auth_url


async def test_expired_token_gets_lowercase_fault_401(api: Api, qbo_simulator: Simulator) -> None:
    qbo_simulator.expire_access_tokens()
    status, body = await api.get("customer/1")
    assert status == 401
    assert body["fault"]["error"][0]["code"] == "3200"
    assert body["fault"]["type"] == "AUTHENTICATION"


async def test_token_of_another_realm_gets_403_code_3100(
    api: Api, qbo_simulator: Simulator
) -> None:
    other = qbo_simulator.issue_tokens(realm_id="123145000000001")["access_token"]
    status, body = await api.get("customer/1", token=str(other))
    assert status == 403
    assert body["Fault"]["Error"][0]["code"] == "3100"
