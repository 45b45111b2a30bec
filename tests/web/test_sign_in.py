"""The QuickBooks sign-in in a browser, end to end against the simulator, and each refusal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from qbo_simulator import Simulator

from importer.domain.connections import ConnectionStatus
from importer.ports.clock import utcnow
from invoice2go.web.app import create_app
from tests.web.conftest import FAST, PUBLIC, AiohttpClient, Web, settings_for


async def consent(web: Web, link: str, **query: str) -> dict[str, str]:
    """Open our sign-in link, follow it to Intuit's consent page and back: the callback's query."""
    path = link.removeprefix(PUBLIC)
    started = await web.client.get(path, allow_redirects=False)
    assert started.status == 302, await started.text()
    assert started.headers["Cache-Control"] == "no-store"
    intuit = started.headers["Location"]
    assert intuit.startswith(web.sim.auth_url)
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(intuit, params=query, allow_redirects=False) as answer,
    ):
        assert answer.status == 302
        back = answer.headers["Location"]
    assert back.startswith(f"{PUBLIC}/quickbooks/callback?")
    return {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}


async def test_signing_in_connects_and_names_the_company_and_the_account(web_app: Web) -> None:
    account = await web_app.account("Acme Landscaping")
    link = await web_app.services.connections.sign_in_link(account, user="U1")
    callback = await consent(web_app, link)

    page = await web_app.client.get("/quickbooks/callback", params=callback)
    text = await page.text()

    assert page.status == 200
    company = web_app.sim.company.info["CompanyName"]
    assert "QuickBooks is connected" in text
    assert f"Acme Landscaping is now connected to the QuickBooks company {company}." in text
    # Quoted for a shell, so the command works as it is pasted.
    assert "invoice2go import --account &#x27;Acme Landscaping&#x27; all" in text
    stored = await web_app.services.store.get_connection(account.id)
    assert stored is not None
    assert (stored.status, stored.realm_id) == (ConnectionStatus.CONNECTED, web_app.sim.realm_id)


async def test_the_page_speaks_the_language_recorded_with_the_link(web_app: Web) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account, locale="es", slack=True)
    callback = await consent(web_app, link)

    page = await web_app.client.get(
        "/quickbooks/callback", params=callback, headers={"Accept-Language": "en-US"}
    )
    text = await page.text()

    assert '<html lang="es">' in text
    assert "QuickBooks está conectado" in text
    assert "Vuelve a Slack" in text


async def test_the_browser_language_is_used_when_the_link_has_none(web_app: Web) -> None:
    page = await web_app.client.get(
        "/quickbooks/callback", params={"error": "access_denied"}, headers={"Accept-Language": "es"}
    )
    assert page.status == 400
    assert "Elegiste no permitir el acceso" in await page.text()


async def test_denied_consent_changes_nothing_and_the_link_still_works(web_app: Web) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account)
    denied = await consent(web_app, link, sim_consent="deny")

    page = await web_app.client.get("/quickbooks/callback", params=denied)

    assert page.status == 400
    assert "You chose not to allow access" in await page.text()
    assert await web_app.services.store.get_connection(account.id) is None
    callback = await consent(web_app, link)
    assert (await web_app.client.get("/quickbooks/callback", params=callback)).status == 200


async def test_a_used_link_is_refused_and_changes_nothing(web_app: Web) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account)
    callback = await consent(web_app, link)
    assert (await web_app.client.get("/quickbooks/callback", params=callback)).status == 200
    before = await web_app.services.store.get_connection(account.id)

    again = await web_app.client.get("/quickbooks/callback", params=callback)
    reopened = await web_app.client.get(link.removeprefix(PUBLIC), allow_redirects=False)

    assert again.status == 400
    assert "This sign-in link was already used" in await again.text()
    assert reopened.status == 400
    assert await web_app.services.store.get_connection(account.id) == before
    assert web_app.sim.oauth_requests.count("authorization_code") == 1


async def test_a_forged_link_is_refused_before_intuit_is_asked(web_app: Web) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account)
    callback = await consent(web_app, link)
    nonce, expires, signature = callback["state"].split(".")
    forged = {**callback, "state": f"{nonce}.{int(expires) + 3600}.{signature}"}

    page = await web_app.client.get("/quickbooks/callback", params=forged)
    start = await web_app.client.get("/quickbooks/connect", params={"state": forged["state"]})

    assert page.status == 400
    assert "This sign-in link is not valid" in await page.text()
    assert start.status == 400
    assert web_app.sim.oauth_requests.count("authorization_code") == 0
    assert await web_app.services.store.get_connection(account.id) is None


async def test_an_expired_link_is_refused(
    simulator: Simulator, tmp_path: Path, aiohttp_client: AiohttpClient
) -> None:
    settings = settings_for(simulator, tmp_path)
    early = Web(await aiohttp_client(create_app(settings, migrate=True, tuning=FAST)), simulator)
    account = await early.account()
    link = await early.services.connections.sign_in_link(account)
    callback = await consent(early, link)

    later_app = create_app(settings, tuning=FAST, clock=lambda: utcnow() + timedelta(minutes=11))
    later = await aiohttp_client(later_app)
    page = await later.get("/quickbooks/callback", params=callback)

    assert page.status == 400
    assert "This sign-in link has expired" in await page.text()
    assert await early.services.store.get_connection(account.id) is None


@pytest.mark.parametrize("missing", ["code", "state", "realmId"])
async def test_a_callback_without_its_parameters_explains_itself(
    web_app: Web, missing: str
) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account)
    callback = await consent(web_app, link)
    del callback[missing]

    page = await web_app.client.get("/quickbooks/callback", params=callback)

    assert page.status == 400
    assert "This page is for QuickBooks to open" in await page.text()


async def test_an_intuit_error_gets_its_own_page_and_changes_nothing(web_app: Web) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account)
    callback = await consent(web_app, link)
    # Intuit refuses a code it did not issue (or one used already): invalid_grant.
    page = await web_app.client.get("/quickbooks/callback", params={**callback, "code": "AB11x"})

    assert page.status == 502
    text = await page.text()
    assert "QuickBooks could not finish connecting" in text
    # The link was spent: the page sends the person for a new one, not to wait and retry it.
    assert "start again from Slack or the command line to get a new one" in text
    assert "Try again in a few minutes" not in text
    again = await web_app.client.get("/quickbooks/callback", params=callback)
    assert "This sign-in link was already used" in await again.text()
    assert await web_app.services.store.get_connection(account.id) is None


async def test_a_used_link_speaks_the_language_recorded_with_it(web_app: Web) -> None:
    account = await web_app.account()
    link = await web_app.services.connections.sign_in_link(account, locale="es")
    callback = await consent(web_app, link)
    assert (await web_app.client.get("/quickbooks/callback", params=callback)).status == 200

    again = await web_app.client.get("/quickbooks/callback", params=callback)
    reopened = await web_app.client.get(link.removeprefix(PUBLIC), allow_redirects=False)

    for page in (again, reopened):
        text = await page.text()
        assert page.status == 400
        assert '<html lang="es">' in text
        assert "Este enlace de inicio de sesión ya se usó" in text


async def test_a_plan_without_quickbooks_gets_no_link(web_app: Web) -> None:
    account = await web_app.account("Tiny", "starter")
    with pytest.raises(Exception, match="does not include the QuickBooks integration"):
        await web_app.services.connections.sign_in_link(account)
