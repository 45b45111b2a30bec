"""The connect wizard (J2) as a person meets it: /invoice2go connect opens a modal, the browser
sign-in moves it on by itself, then the income account, taxes and currency, and what to import."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from qbo_simulator.seed import seed_account

from bot.render import wizard
from importer.domain.jobs import JobOrigin
from importer.domain.model import Kind
from tests.slack.conftest import PUBLIC, SlackWorld, texts


async def open_wizard(world: SlackWorld, user: str = "U1") -> str:
    """Type /invoice2go connect; return the id of the modal once it shows its step."""
    updates = len(world.slack.called("views.update"))
    status, answer = await world.command("connect", user=user)
    assert (status, answer) == (200, {})  # acknowledged at once, the modal says the rest
    (update, *_) = (await world.calls("views.update", updates + 1))[updates:]
    view_id = str(update.args["view_id"])
    assert view_id in world.slack.views
    return view_id


def shown(world: SlackWorld, view_id: str) -> str:
    """What the person reads in a modal now."""
    return texts(world.slack.views[view_id]["blocks"])


def sign_in_link(world: SlackWorld, view_id: str) -> str:
    view = world.slack.views[view_id]
    urls = [
        element["url"]
        for block in view["blocks"]
        for element in block.get("elements", [])
        if isinstance(element, dict) and element.get("url")
    ]
    (link,) = urls
    return str(link)


async def sign_in(world: SlackWorld, link: str) -> tuple[int, str]:
    """Follow the sign-in link in a browser: our page, Intuit's consent, back to our callback."""
    assert link.startswith(f"{PUBLIC}/quickbooks/connect?")
    started = await world.client.get(link.removeprefix(PUBLIC), allow_redirects=False)
    assert started.status == 302
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(started.headers["Location"], allow_redirects=False) as consent,
    ):
        assert consent.status == 302
        back = consent.headers["Location"]
    assert back.startswith(f"{PUBLIC}/quickbooks/callback?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    page = await world.client.get("/quickbooks/callback", params=query)
    return page.status, await page.text()


def chosen(value: str, label: str = "") -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": label or value}, "value": value},
    }


def income(value: str) -> dict[str, Any]:
    return {wizard.INCOME_BLOCK: {wizard.INCOME_ACTION: chosen(value)}}


def ticked(*values: str) -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]


def kinds(*values: str) -> dict[str, Any]:
    return {
        wizard.KINDS_BLOCK: {
            wizard.KINDS_ACTION: {"type": "checkboxes", "selected_options": ticked(*values)}
        }
    }


def understood(yes: bool) -> dict[str, Any]:
    options = ticked("ok") if yes else []
    return {
        wizard.ACK_BLOCK: {wizard.ACK_ACTION: {"type": "checkboxes", "selected_options": options}}
    }


async def test_the_four_steps_connect_and_start_the_import(world: SlackWorld) -> None:
    view_id = await open_wizard(world)
    (opened,) = world.slack.called("views.open")
    assert "Loading…" in texts(opened.args["view"]["blocks"])
    assert "Step 1 of 4" in shown(world, view_id)

    status, page = await sign_in(world, sign_in_link(world, view_id))

    # The browser names what was connected; the open modal went on to step 2 by itself.
    company = world.sim.company.info["CompanyName"]
    assert status == 200
    assert f"{world.slack.team_name} is now connected to the QuickBooks company {company}" in page
    assert "Step 2 of 4" in shown(world, view_id)
    assert "Which QuickBooks income account" in shown(world, view_id)
    select = world.slack.views[view_id]["blocks"][2]["element"]
    assert select["type"] == "static_select"
    names = {option["text"]["text"] for option in select["options"]}
    assert {"Landscaping Services", "Design income"} <= names
    assert "Checking" not in names  # Income accounts only
    assert "Connected to QuickBooks company" in texts(world.slack.home["U1"]["blocks"])

    status, answer = await world.submit(view_id, income("45"))
    account = await world.account()
    connection = await world.services.connections.connection(account.id)
    assert (status, answer["response_action"]) == (200, "update")
    assert connection.income_account_id == "45"
    assert "Step 3 of 4" in shown(world, view_id)
    assert "*QuickBooks home currency:* USD" in shown(world, view_id)
    assert "*Invoicing account currency:* USD" in shown(world, view_id)
    assert "The currencies match." in shown(world, view_id)

    await world.submit(view_id, {})
    assert "Step 4 of 4" in shown(world, view_id)

    status, answer = await world.submit(view_id, kinds("clients", "items"))
    assert answer["response_action"] == "update"
    assert "Importing clients + items" in shown(world, view_id)
    (job,) = await world.services.jobs.recent(account)
    assert (job.kinds, job.origin) == ((Kind.CLIENTS, Kind.ITEMS), JobOrigin.SLACK)

    await world.run_jobs()
    summary = world.slack.dm("U1")[-1]
    clients = await world.services.records.count(account, Kind.CLIENTS)
    assert clients > 0
    assert f"*Clients*: {clients} imported" in texts(summary.blocks)


async def test_more_than_a_hundred_income_accounts_are_searched_as_people_type(
    world: SlackWorld,
) -> None:
    accounts = world.sim.company.lists["Account"]
    stamp = accounts.stamps["1"]
    for number in range(1000, 1150):
        row = (str(number), f"Region {number} sales", "Income", "ServiceFeeIncome", "Revenue")
        record = seed_account(row)
        record["MetaData"] = dict(accounts.by_id["1"]["MetaData"])
        accounts.append(record, stamp)
    view_id = await open_wizard(world)
    await sign_in(world, sign_in_link(world, view_id))

    select = world.slack.views[view_id]["blocks"][2]["element"]
    _, everything = await world.suggest(view_id, wizard.INCOME_ACTION, "")
    _, landscaping = await world.suggest(view_id, wizard.INCOME_ACTION, "landsc")
    _, regions = await world.suggest(view_id, wizard.INCOME_ACTION, "Region 11")

    assert select["type"] == "external_select"
    assert len(everything["options"]) == 100  # Slack's most
    assert [o["text"]["text"] for o in landscaping["options"]] == ["Landscaping Services"]
    assert len(regions["options"]) == 50  # Region 1100 … 1149
    status, answer = await world.submit(view_id, income("1123"))
    connection = await world.services.connections.connection((await world.account()).id)
    assert (status, answer["response_action"]) == (200, "update")
    assert connection.income_account_id == "1123"


async def test_a_currency_mismatch_must_be_acknowledged(world: SlackWorld) -> None:
    world.sim.company.preferences["CurrencyPrefs"]["HomeCurrency"] = {"value": "CAD"}
    view_id = await open_wizard(world)
    await sign_in(world, sign_in_link(world, view_id))
    await world.submit(view_id, income("45"))

    assert "Step 3 of 4" in shown(world, view_id)
    assert "QuickBooks keeps its books in CAD but this account invoices in USD" in shown(
        world, view_id
    )
    status, refused = await world.submit(view_id, understood(False))
    account = await world.account()
    still = await world.services.connections.connection(account.id)

    assert status == 200
    assert refused == {
        "response_action": "errors",
        "errors": {wizard.ACK_BLOCK: "Tick this to go on."},
    }
    assert not still.settings_confirmed
    assert "Step 3 of 4" in shown(world, view_id)

    await world.submit(view_id, understood(True))
    confirmed = await world.services.connections.connection(account.id)
    assert confirmed.settings_confirmed
    assert "Step 4 of 4" in shown(world, view_id)


async def test_abandoning_half_way_and_opening_again_resumes(world: SlackWorld) -> None:
    first = await open_wizard(world)
    await sign_in(world, sign_in_link(world, first))
    await world.submit(first, income("52"))
    world.slack.close_view(first)  # the person closes the modal at step 3

    again = await open_wizard(world)

    assert again != first
    assert "Step 3 of 4" in shown(world, again)
    connection = await world.services.connections.connection((await world.account()).id)
    assert connection.income_account_id == "52"
    await world.submit(again, {})
    assert "Step 4 of 4" in shown(world, again)
    assert await world.services.jobs.recent() == []  # nothing was imported on the way


async def test_a_closed_wizard_gets_a_direct_message_after_the_sign_in(world: SlackWorld) -> None:
    view_id = await open_wizard(world)
    link = sign_in_link(world, view_id)
    world.slack.close_view(view_id)

    status, page = await sign_in(world, link)

    assert status == 200
    assert "QuickBooks is connected" in page
    (message,) = world.slack.dm("U1")
    assert "QuickBooks is connected. Go on with `/invoice2go connect`" in message.text
    assert "Connected to QuickBooks company" in texts(world.slack.home["U1"]["blocks"])
    again = await open_wizard(world)
    assert "Step 2 of 4" in shown(world, again)
