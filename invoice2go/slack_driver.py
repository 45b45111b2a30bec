"""Slack's side of invoice2go, and a person's browser: what Slack sends the app when people type
`/invoice2go`, press a button, submit a modal or open the Home tab (signed as Slack signs), the
install through Slack's OAuth, and the QuickBooks sign-in followed as a browser follows it.

The demo tells its story with it and the Slack scenario tests act with it: both run the web app
on 127.0.0.1 with `invoice2go.fake_slack` standing for Slack's Web API, and read what people
see there.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot import ids
from bot.render import wizard
from invoice2go.fake_slack import Call, FakeSlack, Message

# Bolt's cookie for the state of an install (the browser brings it back from Slack).
STATE_COOKIE = "slack-app-oauth-state"
# How long to wait for what a listener or the worker does after the app has answered.
WAIT_SECONDS = 10.0


class UnexpectedAnswer(Exception):
    """The app answered in a way Slack or a browser would not go on from."""


def signed(body: str, secret: str, *, age: int = 0) -> dict[str, str]:
    """Headers Slack sends with a body: a timestamp (age seconds ago) and its v0 signature."""
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    if signature is None:  # only without a timestamp or body
        raise ValueError("nothing to sign")
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def texts(blocks: Any) -> str:
    """All the text a person reads in some blocks (or a view), one piece a line."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                found.append(value["text"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(blocks)
    return "\n".join(found)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons people can press in some blocks, by action id."""
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        for element in [block.get("accessory"), *block.get("elements", [])]:
            if isinstance(element, dict) and element.get("type") == "button":
                found[element["action_id"]] = element
    return found


# What a submitted modal carries, as Slack puts it in view.state.values.


def chosen(value: str, label: str = "") -> dict[str, Any]:
    """A select with one option chosen."""
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": label or value}, "value": value},
    }


def ticked(*values: str) -> list[dict[str, Any]]:
    """Checkbox options ticked."""
    return [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]


def income(value: str) -> dict[str, Any]:
    """The wizard's step 2: this income account chosen."""
    return {wizard.INCOME_BLOCK: {wizard.INCOME_ACTION: chosen(value)}}


def kinds(*values: str) -> dict[str, Any]:
    """The wizard's step 4: these kinds ticked."""
    return {
        wizard.KINDS_BLOCK: {
            wizard.KINDS_ACTION: {"type": "checkboxes", "selected_options": ticked(*values)}
        }
    }


def understood(yes: bool) -> dict[str, Any]:
    """The wizard's step 3: the currency difference acknowledged, or not."""
    options = ticked("ok") if yes else []
    return {
        wizard.ACK_BLOCK: {wizard.ACK_ACTION: {"type": "checkboxes", "selected_options": options}}
    }


def _ignore(answer: Any) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Installed:
    """How an install went: Slack's consent page the app sent the browser to, the state it
    carried and the cookie that holds it, and the page the browser ended on."""

    consent: str
    state: str
    cookie: str | None
    status: int
    page: str

    @property
    def scopes(self) -> list[str]:
        """The permissions the app asked Slack for."""
        scope = parse_qs(urlsplit(self.consent).query).get("scope", [""])[0]
        return [part for part in scope.split(",") if part]


@dataclass(kw_only=True)
class SlackDriver:
    """Slack and the people of one workspace, talking to the web app at base_url.

    public_url is where the app believes it is reached (links in its messages start with it);
    observe sees every answer the app gives a request (the tests check Block Kit's limits);
    user is the person who acts when none is named.
    """

    session: aiohttp.ClientSession
    base_url: str
    public_url: str
    slack: FakeSlack
    secret: str
    user: str = "U1"
    observe: Callable[[Any], None] = _ignore
    hooks: int = 0

    @property
    def team(self) -> str:
        return self.slack.team_id

    def url(self, path: str) -> str:
        """The web app's address of a path (or of a link the app gave with its public URL)."""
        return self.base_url.rstrip("/") + path.removeprefix(self.public_url)

    # Slack's requests to /slack/events

    async def post(
        self, body: str, content_type: str, *, secret: str | None = None, age: int = 0
    ) -> tuple[int, str]:
        """Send a body to /slack/events signed as Slack signs it; return the status and text."""
        headers = {"Content-Type": content_type, **signed(body, secret or self.secret, age=age)}
        async with self.session.post(self.url("/slack/events"), data=body, headers=headers) as sent:
            return sent.status, await sent.text()

    async def command(
        self, text: str, user: str | None = None, *, secret: str | None = None, age: int = 0
    ) -> tuple[int, Any]:
        """Type `/invoice2go text` as a person; return the status and the acknowledgement."""
        user = user or self.user
        self.hooks += 1
        body = urlencode(
            {
                "token": "deprecated",
                "team_id": self.team,
                "team_domain": "demo",
                "channel_id": "C1",
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": ids.COMMAND,
                "text": text,
                "api_app_id": "A0APP",
                "response_url": self.slack.hook_url(f"c{self.hooks}"),
                "trigger_id": f"trigger-{self.hooks}",
            }
        )
        status, said = await self.post(
            body, "application/x-www-form-urlencoded", secret=secret, age=age
        )
        try:
            answer = json.loads(said) if said else {}
        except ValueError:
            answer = {"text": said}
        self.observe(answer)
        return status, answer

    async def interact(self, payload: dict[str, Any]) -> tuple[int, Any]:
        """Send an interactivity payload (a button, a view submission, an option load)."""
        body = "payload=" + json.dumps(payload).replace("%", "%25").replace("&", "%26").replace(
            "+", "%2B"
        )
        status, said = await self.post(body, "application/x-www-form-urlencoded")
        answer = json.loads(said) if said else {}
        self.observe(answer)
        return status, answer

    async def click(
        self,
        action_id: str,
        value: str,
        user: str | None = None,
        *,
        view: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        """Press a button (in a message, the Home tab or a modal)."""
        user = user or self.user
        self.hooks += 1
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "demo"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A0APP",
            "trigger_id": f"trigger-{self.hooks}",
            "response_url": self.slack.hook_url(f"a{self.hooks}"),
            "actions": [
                {
                    "action_id": action_id,
                    "value": value,
                    "type": "button",
                    "block_id": "b",
                    "action_ts": "1",
                }
            ],
            "container": {"type": "message"},
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view["id"]}
        return await self.interact(payload)

    async def submit(
        self, view_id: str, values: dict[str, Any], user: str | None = None
    ) -> tuple[int, Any]:
        """Submit an open modal with these input values; Slack then shows what the app
        answered (the next view, errors under inputs) or closes the modal."""
        user = user or self.user
        view = dict(self.slack.views[view_id])
        view["state"] = {"values": values}
        payload = {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "demo"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A0APP",
            "trigger_id": "trigger-view",
            "view": view,
        }
        status, answer = await self.interact(payload)
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action == "update":
            self.slack.views[view_id] = {**answer["view"], "id": view_id, "hash": "h-next"}
        elif action != "errors":
            self.slack.close_view(view_id)
        return status, answer

    async def suggest(
        self, view_id: str, action_id: str, typed: str, user: str | None = None
    ) -> tuple[int, Any]:
        """Type into an external select of an open modal: Slack asks the app for options."""
        user = user or self.user
        payload = {
            "type": "block_suggestion",
            "team": {"id": self.team, "domain": "demo"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A0APP",
            "action_id": action_id,
            "block_id": action_id,
            "value": typed,
            "view": self.slack.views[view_id],
            "container": {"type": "view", "view_id": view_id},
        }
        return await self.interact(payload)

    async def event(self, event: dict[str, Any]) -> tuple[int, str]:
        """Deliver an Events API event (the Home tab opened, the app uninstalled…)."""
        body = json.dumps(
            {
                "token": "deprecated",
                "team_id": self.team,
                "api_app_id": "A0APP",
                "type": "event_callback",
                "event_id": f"Ev{self.hooks}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return await self.post(body, "application/json")

    # Waiting for what the app does after it answered

    async def wait(self, ready: Callable[[], bool], what: str) -> None:
        """Wait (up to WAIT_SECONDS) until ready() is true: listeners and the worker go on
        after the app has answered, as Slack wants."""
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while not ready():  # noqa: ASYNC110  # another task makes it so
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise UnexpectedAnswer(f"waited {WAIT_SECONDS:.0f} s for {what}") from None

    async def calls(self, method: str, count: int = 1) -> list[Call]:
        """Wait until the app has called a Web API method count times; return the calls."""
        await self.wait(lambda: len(self.slack.called(method)) >= count, f"{count} × {method}")
        return self.slack.called(method)

    async def dm(self, user: str, count: int) -> list[Message]:
        """Wait until the app has written count messages to a person; return them."""
        await self.wait(lambda: len(self.slack.dm(user)) >= count, f"{count} messages to {user}")
        return self.slack.dm(user)

    async def until(self, probe: Callable[[], Awaitable[Any]], wanted: Any) -> None:
        """Wait (up to WAIT_SECONDS) until probe() gives what is wanted."""
        async with asyncio.timeout(WAIT_SECONDS):
            while await probe() != wanted:  # noqa: ASYNC110  # another task changes it
                await asyncio.sleep(0.01)

    # Journeys through the browser

    async def install(self, installer: str, *, language: str | None = None) -> Installed:
        """Add the app to the workspace as a person does: /slack/install sends the browser to
        Slack, the person allows, Slack sends them back with a code and the state cookie."""
        async with self.session.get(self.url("/slack/install"), allow_redirects=False) as started:
            if started.status != 302:
                raise UnexpectedAnswer(f"/slack/install answered {started.status}")
            consent = started.headers["Location"]
            cookie = started.cookies.get(STATE_COOKIE)
        state = parse_qs(urlsplit(consent).query).get("state", [""])[0]
        headers = {"Cookie": f"{STATE_COOKIE}={state}"}
        if language:
            headers["Accept-Language"] = language
        async with self.session.get(
            self.url("/slack/oauth_redirect"),
            params={"code": f"good-{installer}", "state": state},
            headers=headers,
        ) as finished:
            page = await finished.text()
            return Installed(
                consent, state, None if cookie is None else cookie.value, finished.status, page
            )

    async def open_wizard(self, user: str | None = None) -> str:
        """Type /invoice2go connect; return the id of the modal once it shows its step."""
        return await self.open_wizard_with("connect", user)

    async def open_wizard_with(self, words: str, user: str | None = None) -> str:
        """Type a command that opens the wizard (connect, conectar); return the modal's id once
        it shows its step (the app opens a placeholder at once, then updates it)."""
        updates = len(self.slack.called("views.update"))
        status, answer = await self.command(words, user)
        if (status, answer) != (200, {}):  # acknowledged at once, the modal says the rest
            raise UnexpectedAnswer(f"{words!r} answered {status} {answer!r}")
        update = (await self.calls("views.update", updates + 1))[updates]
        view_id = str(update.args["view_id"])
        if view_id not in self.slack.views:
            raise UnexpectedAnswer("the wizard updated a modal that is not open")
        return view_id

    def shown(self, view_id: str) -> str:
        """What the person reads in a modal now."""
        return texts(self.slack.views[view_id]["blocks"])

    def sign_in_link(self, view_id: str) -> str:
        """The link of the wizard's Sign in to QuickBooks button."""
        view = self.slack.views[view_id]
        urls = [
            element["url"]
            for block in view["blocks"]
            for element in block.get("elements", [])
            if isinstance(element, dict) and element.get("url")
        ]
        if len(urls) != 1:
            raise UnexpectedAnswer(f"the modal has {len(urls)} links, not one")
        return str(urls[0])

    async def sign_in(self, link: str) -> tuple[int, str]:
        """Follow the sign-in link in a browser: our page, Intuit's consent (the person allows),
        back to our callback; return the status and the page the browser shows."""
        if not link.startswith(f"{self.public_url}/quickbooks/connect?"):
            raise UnexpectedAnswer(f"not a sign-in link: {link}")
        async with self.session.get(self.url(link), allow_redirects=False) as started:
            if started.status != 302:
                raise UnexpectedAnswer(f"the sign-in link answered {started.status}")
            consent = started.headers["Location"]
        async with self.session.get(consent, allow_redirects=False) as intuit:
            if intuit.status != 302:
                raise UnexpectedAnswer(f"Intuit's consent answered {intuit.status}")
            back = intuit.headers["Location"]
        if not back.startswith(f"{self.public_url}/quickbooks/callback?"):
            raise UnexpectedAnswer(f"Intuit sent the browser elsewhere: {back}")
        query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        async with self.session.get(self.url("/quickbooks/callback"), params=query) as page:
            return page.status, await page.text()
