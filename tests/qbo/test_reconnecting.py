"""Reconnecting: the realm id is checked, the company read before a connection is replaced, and
the replaced company's token revoked at Intuit."""

from __future__ import annotations

import logging

import pytest

from importer.domain.connections import ConnectionStatus, QboConnection
from importer.domain.errors import UserError
from qbo.tokens import Tokens
from tests.qbo.conftest import MakeWorld, Process, World, connected
from tests.qbo.test_authorization import consent

OTHER_REALM = "4620816365156789"


async def company_name(process: Process, account_id: str) -> str:
    """Read the connected company's name as an import would."""
    name: str = (await (await process.client_for(account_id)).company_info())["CompanyName"]
    return name


async def attach_other_company(world: World, process: Process, account_id: str) -> str:
    """Store a working connection to another company of the same Intuit app; return its token."""
    issued = world.sim.issue_tokens(OTHER_REALM)
    tokens = Tokens(issued["refresh_token"], issued["access_token"])
    await process.store.save_connection(
        QboConnection(account_id, OTHER_REALM, "sandbox", process.cipher.seal(tokens))
    )
    token: str = issued["refresh_token"]
    return token


@pytest.mark.parametrize("realm", ["", "abc", "12 34", "123;456", "١٢٣", "²", "9" * 40])
async def test_a_realm_id_that_is_not_digits_is_refused_before_intuit_is_asked(
    make_world: MakeWorld, realm: str
) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")
    token = world.sim.issue_tokens()["refresh_token"]
    callback = await consent(world, process, account)

    with pytest.raises(UserError, match="realm"):
        await process.service.connect_with_refresh_token(account, realm, token)
    with pytest.raises(UserError, match="realm"):
        await process.service.complete_authorization(callback["code"], callback["state"], realm)

    assert world.sim.oauth_requests == []  # neither the token nor the code was spent
    assert await process.store.get_connection(account.id) is None
    connection = await process.service.connect_with_refresh_token(
        account, f" {world.sim.realm_id}\n", token
    )
    assert connection.realm_id == world.sim.realm_id


async def test_a_working_connection_stays_when_the_new_company_cannot_be_read(
    make_world: MakeWorld,
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    before = await process.store.get_connection(account.id)
    token = world.sim.issue_tokens()["refresh_token"]

    # Tokens of this company, but the realm id of another one: QBO refuses to read it.
    with pytest.raises(UserError, match=f"company {OTHER_REALM}"):
        await process.service.connect_with_refresh_token(account, OTHER_REALM, token)

    assert await process.store.get_connection(account.id) == before
    assert await company_name(process, account.id) == world.sim.company.info["CompanyName"]


async def test_reconnecting_to_another_company_revokes_the_replaced_token(
    make_world: MakeWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = await make_world()
    process = await world.process()
    account = await process.store.create_account("Acme", "premium")
    replaced = await attach_other_company(world, process, account.id)
    caplog.set_level(logging.INFO)

    connection = await process.service.connect_with_refresh_token(
        account, world.sim.realm_id, world.sim.issue_tokens()["refresh_token"]
    )

    assert world.sim.tokens.refresh[replaced].revoked
    assert connection.realm_id == world.sim.realm_id
    assert connection.company_name == world.sim.company.info["CompanyName"]
    assert await company_name(process, account.id) == world.sim.company.info["CompanyName"]
    assert f"revoked the replaced QBO connection to company {OTHER_REALM}" in caplog.text
    assert replaced not in caplog.text


async def test_reconnecting_to_the_same_company_keeps_the_app_in_it(make_world: MakeWorld) -> None:
    world = await make_world(rotate_refresh_after=1)
    process = await world.process()
    account = await connected(world, process)

    await process.service.connect_with_refresh_token(
        account, world.sim.realm_id, world.sim.issue_tokens()["refresh_token"]
    )
    world.sim.expire_access_tokens()

    # Revoking at Intuit disconnects the app from the whole company, the new tokens included.
    assert not any(grant.revoked for grant in world.sim.tokens.refresh.values())
    assert await company_name(process, account.id) == world.sim.company.info["CompanyName"]


async def test_a_failed_revoke_is_logged_and_the_reconnect_stands(
    make_world: MakeWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world = await make_world()
    process = await world.process(revoke_url="http://127.0.0.1:9/v2/oauth2/tokens/revoke")
    account = await process.store.create_account("Acme", "premium")
    replaced = await attach_other_company(world, process, account.id)

    await process.service.connect_with_refresh_token(
        account, world.sim.realm_id, world.sim.issue_tokens()["refresh_token"]
    )

    stored = await process.store.get_connection(account.id)
    assert stored is not None
    assert (stored.realm_id, stored.status) == (world.sim.realm_id, ConnectionStatus.CONNECTED)
    assert not world.sim.tokens.refresh[replaced].revoked
    assert f"could not revoke the replaced QBO connection to company {OTHER_REALM}" in caplog.text


async def test_signing_in_again_to_the_same_company_keeps_the_set_up(
    make_world: MakeWorld,
) -> None:
    world = await make_world()
    process = await world.process()
    account = await connected(world, process)
    income = (await process.service.income_accounts(account.id))[0]
    await process.service.choose_income_account(account, income.id)
    await process.service.confirm_settings(account)

    # A reconnect: the same company, signed in again.
    token = world.sim.issue_tokens()["refresh_token"]
    await process.service.connect_with_refresh_token(account, world.sim.realm_id, token)
    again = await process.store.get_connection(account.id)
    assert again is not None
    assert again.income_account_id == income.id
    assert again.settings_confirmed

    # QBO's books changed currency meanwhile: currency and taxes must be confirmed again.
    world.sim.company.preferences["CurrencyPrefs"]["MultiCurrencyEnabled"] = True
    token = world.sim.issue_tokens()["refresh_token"]
    await process.service.connect_with_refresh_token(account, world.sim.realm_id, token)
    changed = await process.store.get_connection(account.id)
    assert changed is not None
    assert changed.income_account_id == income.id
    assert not changed.settings_confirmed
