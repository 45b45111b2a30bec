"""The connect wizard (J2) as a person meets it: /invoice2go connect opens a modal, the browser
sign-in moves it on by itself, then the income account, taxes and currency, and what to import."""

from __future__ import annotations

import asyncio

import pytest
from qbo_simulator.seed import seed_account

from bot.render import wizard
from importer.domain.connections import ConnectionStatus
from importer.domain.jobs import JobOrigin
from importer.domain.model import Kind
from importer.ports.qbo import IncomeAccount
from invoice2go.slack_driver import income, kinds, texts, understood
from tests.slack.conftest import MakeWorld, SlackWorld


def account_queries(world: SlackWorld) -> int:
    """How many times QuickBooks was asked for its accounts."""
    return sum(
        1 for request in world.sim.requests if "from account" in (request.statement or "").lower()
    )


async def test_the_four_steps_connect_and_start_the_import(world: SlackWorld) -> None:
    view_id = await world.open_wizard()
    (opened,) = world.slack.called("views.open")
    assert "Loading…" in texts(opened.args["view"]["blocks"])
    assert "Step 1 of 4" in world.shown(view_id)

    status, page = await world.sign_in(world.sign_in_link(view_id))

    # The browser names what was connected; the open modal went on to step 2 by itself.
    company = world.sim.company.info["CompanyName"]
    assert status == 200
    assert f"{world.slack.team_name} is now connected to the QuickBooks company {company}" in page
    assert "Step 2 of 4" in world.shown(view_id)
    assert "Which QuickBooks income account" in world.shown(view_id)
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
    assert "Step 3 of 4" in world.shown(view_id)
    assert "*QuickBooks home currency:* USD" in world.shown(view_id)
    assert "*Invoicing account currency:* USD" in world.shown(view_id)
    assert "The currencies match." in world.shown(view_id)

    await world.submit(view_id, {})
    assert "Step 4 of 4" in world.shown(view_id)

    status, answer = await world.submit(view_id, kinds("clients", "items"))
    assert answer["response_action"] == "update"
    assert "Importing clients + items" in world.shown(view_id)
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
    view_id = await world.open_wizard()
    await world.sign_in(world.sign_in_link(view_id))

    select = world.slack.views[view_id]["blocks"][2]["element"]
    asked = account_queries(world)
    _, everything = await world.suggest(view_id, wizard.INCOME_ACTION, "")
    _, landscaping = await world.suggest(view_id, wizard.INCOME_ACTION, "landsc")
    _, regions = await world.suggest(view_id, wizard.INCOME_ACTION, "Region 11")

    assert select["type"] == "external_select"
    assert len(everything["options"]) == 100  # Slack's most
    assert [o["text"]["text"] for o in landscaping["options"]] == ["Landscaping Services"]
    assert len(regions["options"]) == 50  # Region 1100 … 1149
    assert account_queries(world) == asked + 1  # once, not at each keystroke
    status, answer = await world.submit(view_id, income("1123"))
    connection = await world.services.connections.connection((await world.account()).id)
    assert (status, answer["response_action"]) == (200, "update")
    assert connection.income_account_id == "1123"


async def test_a_currency_mismatch_must_be_acknowledged(world: SlackWorld) -> None:
    world.sim.company.preferences["CurrencyPrefs"]["HomeCurrency"] = {"value": "CAD"}
    view_id = await world.open_wizard()
    await world.sign_in(world.sign_in_link(view_id))
    await world.submit(view_id, income("45"))

    assert "Step 3 of 4" in world.shown(view_id)
    assert "QuickBooks keeps its books in CAD but this account invoices in USD" in world.shown(
        view_id
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
    assert "Step 3 of 4" in world.shown(view_id)

    await world.submit(view_id, understood(True))
    confirmed = await world.services.connections.connection(account.id)
    assert confirmed.settings_confirmed
    assert "Step 4 of 4" in world.shown(view_id)


async def test_abandoning_half_way_and_opening_again_resumes(world: SlackWorld) -> None:
    first = await world.open_wizard()
    await world.sign_in(world.sign_in_link(first))
    await world.submit(first, income("52"))
    world.slack.close_view(first)  # the person closes the modal at step 3

    again = await world.open_wizard()

    assert again != first
    assert "Step 3 of 4" in world.shown(again)
    connection = await world.services.connections.connection((await world.account()).id)
    assert connection.income_account_id == "52"
    await world.submit(again, {})
    assert "Step 4 of 4" in world.shown(again)
    assert await world.services.jobs.recent() == []  # nothing was imported on the way


async def test_a_closed_wizard_gets_a_direct_message_after_the_sign_in(world: SlackWorld) -> None:
    view_id = await world.open_wizard()
    link = world.sign_in_link(view_id)
    world.slack.close_view(view_id)

    status, page = await world.sign_in(link)

    assert status == 200
    assert "QuickBooks is connected" in page
    (message,) = world.slack.dm("U1")
    assert "QuickBooks is connected. Go on with `/invoice2go connect`" in message.text
    assert "Connected to QuickBooks company" in texts(world.slack.home["U1"]["blocks"])
    again = await world.open_wizard()
    assert "Step 2 of 4" in world.shown(again)


async def test_completing_while_clients_are_imported_queues_items_and_says_so(
    world: SlackWorld,
) -> None:
    view_id = await world.open_wizard()
    await world.sign_in(world.sign_in_link(view_id))
    await world.submit(view_id, income("45"))
    await world.submit(view_id, {})
    await world.command("import clients", user="U2")
    running = await world.services.store.claim_job("worker", 60)
    assert running is not None

    status, answer = await world.submit(view_id, kinds("clients", "items"))

    assert (status, answer["response_action"]) == (200, "update")
    shown = world.shown(view_id)
    assert "An import of clients is already under way" in shown
    assert "whoever asked for it" in shown
    assert "Importing items from QuickBooks" in shown
    assert "clients + items" not in shown
    queued, held = await world.services.jobs.recent(await world.account())
    assert (queued.kinds, queued.requested_by) == ((Kind.ITEMS,), "U1")
    assert held.id == running.id


async def test_an_unknown_income_account_is_refused_in_the_persons_language(
    world: SlackWorld,
) -> None:
    view_id = await world.open_wizard("U5")
    await world.sign_in(world.sign_in_link(view_id))

    status, refused = await world.submit(view_id, income("99999"), user="U5")

    assert status == 200
    said = "esa no es una cuenta de ingresos activa de la empresa de QuickBooks"
    assert refused == {"response_action": "errors", "errors": {wizard.INCOME_BLOCK: said}}


async def test_quickbooks_down_at_step_two_is_said_in_the_modal_which_stays_open(
    world: SlackWorld,
) -> None:
    view_id = await world.open_wizard("U5")
    await world.sign_in(world.sign_in_link(view_id))
    world.sim.inject("503@*")

    status, refused = await world.submit(view_id, income("45"), user="U5")

    assert status == 200
    assert refused["response_action"] == "errors"
    said = refused["errors"][wizard.INCOME_BLOCK]
    assert said.startswith("QuickBooks no respondió (QuickBooks falló al ")
    assert "(HTTP 503)" in said
    assert "vuelve a intentarlo en un minuto" in said
    assert "failed while" not in said
    world.sim.clear_faults()
    status, answer = await world.submit(view_id, income("45"), user="U5")
    assert (status, answer["response_action"]) == (200, "update")
    assert "Paso 3 de 4" in world.shown(view_id)


async def test_quickbooks_down_when_the_wizard_opens_is_said_in_spanish(
    world: SlackWorld,
) -> None:
    await world.connect()
    world.sim.inject("503@*")
    world.sim.expire_access_tokens()

    view_id = await world.open_wizard("U5")

    shown = world.shown(view_id)
    assert "QuickBooks no respondió (QuickBooks falló al " in shown
    assert "vuelve a abrir el asistente en un minuto" in shown
    assert "failed while" not in shown


async def test_intuit_down_at_disconnect_is_said_in_spanish_and_nothing_changes(
    make_world: MakeWorld,
) -> None:
    world = await make_world(qbo_revoke_url="http://127.0.0.1:9/v2/oauth2/tokens/revoke")
    await world.connect()

    await world.click("disconnect", "disconnect", user="U5")
    await world.wait(lambda: len(world.slack.hooks) == 1, "the answer")

    (said,) = [hook["text"] for hook in world.slack.hooks]
    assert said.startswith("QuickBooks no respondió; no cambió nada. (Intuit no respondió al ")
    assert "while" not in said
    connection = await world.services.connections.connection((await world.account()).id)
    assert connection.status is ConnectionStatus.CONNECTED


async def test_a_quickbooks_too_slow_to_confirm_the_income_account_still_moves_on(
    world: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    view_id = await world.open_wizard()
    await world.sign_in(world.sign_in_link(view_id))

    async def slow(account_id: str) -> list[IncomeAccount]:
        await asyncio.sleep(60)  # longer than Slack waits for the submission's answer
        return []

    monkeypatch.setattr(world.services.connections, "income_accounts", slow)
    status, answer = await world.submit(view_id, income("45"))

    assert (status, answer["response_action"]) == (200, "update")
    assert "Step 3 of 4" in world.shown(view_id)
    connection = await world.services.store.get_connection((await world.account()).id)
    assert connection is not None
    assert connection.income_account_id == "45"  # picked from QuickBooks' own list
