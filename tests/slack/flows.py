"""What people do in Slack and in the browser, as steps the scenario tests share: the connect
wizard's modal, the QuickBooks sign-in, the values a submitted modal carries, buttons to press."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from bot.render import wizard
from tests.slack.conftest import PUBLIC, SlackWorld, texts


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons people can press in some blocks, by action id."""
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        for element in [block.get("accessory"), *block.get("elements", [])]:
            if isinstance(element, dict) and element.get("type") == "button":
                found[element["action_id"]] = element
    return found


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
