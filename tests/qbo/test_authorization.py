"""The consent round trip through the simulated Intuit, and the state that guards it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from importer.domain.connections import ConnectionStatus
from importer.domain.errors import OAuthStateError
from importer.domain.model import Account
from importer.ports.clock import utcnow
from tests.qbo.conftest import MakeWorld, Process, World


async def consent(world: World, process: Process, account: Account) -> dict[str, str]:
    """Follow the consent URL as a browser would and return the callback's query."""
    url = await process.service.authorization_url(account, user="U123")
    async with process.session.get(url, allow_redirects=False) as response:
        assert response.status == 302
        location = response.headers["Location"]
    assert location.startswith("https://invoice2go.example/quickbooks/callback?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def test_the_consent_url_asks_for_the_accounting_scope(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")

    url = await process.service.authorization_url(account)

    query = parse_qs(urlsplit(url).query)
    assert url.startswith(world.sim.auth_url)
    assert query["client_id"] == [world.sim.client_id]
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["redirect_uri"] == ["https://invoice2go.example/quickbooks/callback"]
    assert len(query["state"][0]) > 40


async def test_consent_connects_the_company_once(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")
    callback = await consent(world, process, account)

    connection = await process.service.complete_authorization(
        callback["code"], callback["state"], callback["realmId"]
    )

    info = world.sim.company.info
    assert connection.realm_id == world.sim.realm_id
    assert connection.company_name == info["CompanyName"]
    assert connection.country == info["Country"]
    assert (connection.home_currency, connection.multicurrency) == ("USD", False)
    stored = await process.store.get_connection(account.id)
    assert stored is not None
    assert stored.status is ConnectionStatus.CONNECTED
    assert stored.company_name == info["CompanyName"]
    with pytest.raises(OAuthStateError, match="already used"):
        await process.service.complete_authorization(
            callback["code"], callback["state"], callback["realmId"]
        )
    assert world.sim.oauth_requests.count("authorization_code") == 1


async def test_a_tampered_state_is_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")
    callback = await consent(world, process, account)
    nonce, expires, signature = callback["state"].split(".")
    later = str(int(expires) + 3600)

    for forged in (
        f"{nonce}.{expires}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{nonce}.{later}.{signature}",
        f"{nonce}x.{expires}.{signature}",
        "",
    ):
        with pytest.raises(OAuthStateError, match="not valid"):
            await process.service.complete_authorization(callback["code"], forged, "1")
    assert world.sim.oauth_requests.count("authorization_code") == 0
    connection = await process.service.complete_authorization(
        callback["code"], callback["state"], callback["realmId"]
    )
    assert connection.account_id == account.id


async def test_an_expired_state_is_refused(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")
    callback = await consent(world, process, account)
    later = await world.process(clock=lambda: utcnow() + timedelta(minutes=11))

    with pytest.raises(OAuthStateError, match="expired"):
        await later.service.complete_authorization(
            callback["code"], callback["state"], callback["realmId"]
        )
    assert world.sim.oauth_requests.count("authorization_code") == 0
    assert await process.store.get_connection(account.id) is None


async def test_income_accounts_come_from_the_company(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")
    callback = await consent(world, process, account)
    await process.service.complete_authorization(
        callback["code"], callback["state"], callback["realmId"]
    )

    accounts = await process.service.income_accounts(account.id)

    expected = {
        row["Id"]
        for row in world.sim.company.lists["Account"].rows
        if row["AccountType"] == "Income" and row.get("Active", True)
    }
    assert {a.id for a in accounts} == expected
    assert all(a.name for a in accounts)
