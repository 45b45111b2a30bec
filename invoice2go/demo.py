"""`invoice2go demo`: the Slack app on this machine with no credentials, told as people read it.

It starts the QBO simulator, a stand-in for Slack's Web API (`fake_slack`) and invoice2go's web
process with its worker on 127.0.0.1, with an embedded store in a throwaway folder and
throwaway keys. Then it acts as Slack, its people and their browser do (`slack_driver`): signed
requests to /slack/events, the install through Slack's OAuth, the QuickBooks sign-in. The story:
install, the connect wizard with the browser sign-in, the import, deleting a client, QuickBooks
changing, importing again (only what is new; the deleted one stays deleted), then QuickBooks
refusing the saved sign-in and the one reconnect message. It prints what the people read (the
pages, modals, answers and messages the stand-in for Slack received) in the Slack users'
language: --lang, else the terminal's.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from qbo_simulator import Simulator, SimulatorConfig

from bot import ids
from bot.render import wizard
from i18n import N_, _, ngettext
from invoice2go.fake_slack import FakeSlack, Message
from invoice2go.settings import Settings
from invoice2go.slack_driver import (
    SlackDriver,
    UnexpectedAnswer,
    buttons,
    income,
    kinds,
    understood,
)
from invoice2go.web.app import create_app

WORKSPACE = "Demo Landscaping"
ADA, ADA_NAME = "U0ADA", "Ada"  # installs the app: the account's admin
MO, MO_NAME = "U0MO", "Mo"  # a member of the workspace
PEOPLE = {ADA: ADA_NAME, MO: MO_NAME}
INCOME_ACCOUNT = "Landscaping Services"
INDENT = "    "
# What people type: the command words the app knows in each language (bot.listeners.commands);
# another language types the English ones.
TYPED = {
    "es": {"connect": "conectar", "clients": "clientes", "import": "importar", "all": "todo"},
}


def typed(locale: str, *words: str) -> str:
    """A command as a person of this language types it."""
    table = TYPED.get(locale, {})
    return " ".join([ids.COMMAND, *(table.get(word, word) for word in words)])


def slack_locale(locale: str) -> str:
    """The locale Slack gives a person who reads this language (users.info)."""
    return "en-US" if locale == "en" else f"{locale}-{locale.upper()}"


# Printing what people read


def step(text: str) -> None:
    print(f"\n▸ {text}")


def say(*lines: str) -> None:
    for line in lines:
        print(f"{INDENT}{line}")


def framed(lines: Iterable[str]) -> None:
    """Something on a screen: a page, a window, a message."""
    for line in lines:
        print(f"{INDENT}│ {line}")


def plain(mrkdwn: str) -> str:
    """Slack's mrkdwn as a person reads it: no asterisks, backticks or escapes."""
    text = re.sub(r"<[^|>]+\|([^>]+)>", r"\1", mrkdwn)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    return html.unescape(text.replace("`", ""))


def _button(element: dict[str, Any]) -> str:
    return f"[{element['text']['text']}]"


def _input(block: dict[str, Any]) -> list[str]:
    label = block["label"]["text"]
    element = block["element"]
    options = [option["text"]["text"] for option in element.get("options", [])]
    if element["type"] == "checkboxes":
        ticked = {option["value"] for option in element.get("initial_options", [])}
        return [f"{label}:"] + [
            f"  {'☑' if option['value'] in ticked else '☐'} {option['text']['text']}"
            for option in element.get("options", [])
        ]
    if options:  # data (QuickBooks' names): quoted
        return [f"{label}: ▾ " + ", ".join(f"“{option}”" for option in options)]
    return [f"{label}: ▾"]


def read_blocks(blocks: list[dict[str, Any]], *, compact: bool = False) -> list[str]:
    """The lines a person reads in some blocks; buttons as [Label]; compact: a section on one
    line (a progress line and its bar)."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(block["text"]["text"])
        elif kind == "section":
            said = plain(block["text"]["text"]).splitlines() or [""]
            if compact:
                said = ["  ".join(said)]
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                said[-1] += f"  {_button(accessory)}"
            lines += said
        elif kind == "context":
            for element in block.get("elements", []):
                lines += plain(element.get("text", "")).splitlines()
        elif kind == "actions":
            pressable = [e for e in block.get("elements", []) if e.get("type") == "button"]
            lines.append("  ".join(_button(element) for element in pressable))
        elif kind == "input":
            lines += _input(block)
    return lines


def read_view(view: dict[str, Any]) -> list[str]:
    """A modal as a person sees it: title, blocks, the submit button."""
    lines = [f"— {view['title']['text']} —", *read_blocks(view.get("blocks", []))]
    if view.get("submit"):
        lines.append(f"[{view['submit']['text']}]")
    return lines


def read_message(text: str, blocks: list[dict[str, Any]], *, compact: bool = False) -> list[str]:
    return read_blocks(blocks, compact=compact) or plain(text).splitlines()


def read_page(page: str) -> list[str]:
    """A browser page's title and paragraphs."""
    found = re.findall(r"<(h1|p)>(.*?)</\1>", page, re.S)
    return [html.unescape(text) for _tag, text in found]


# The processes


def _settings(
    base: Settings, sim: Simulator, slack: FakeSlack, folder: Path, public: str
) -> Settings:
    """The demo's deployment: the simulator, the stand-in for Slack, throwaway secrets."""
    return base.model_copy(
        update={
            "database_url": f"sqlite:///{folder / 'demo.sqlite3'}",
            "qbo_client_id": sim.client_id,
            "qbo_client_secret": sim.client_secret,
            "qbo_redirect_uri": f"{public}/quickbooks/callback",
            "qbo_api_base": sim.api_base,
            "qbo_auth_url": sim.auth_url,
            "qbo_token_url": sim.token_url,
            "qbo_revoke_url": sim.revoke_url,
            "qbo_environment": "sandbox",
            "qbo_webhook_verifier_token": sim.webhook_verifier_token,
            # Throwaway keys: the demo's tokens live only as long as its folder.
            "token_encryption_key": Fernet.generate_key().decode(),
            "slack_signing_secret": secrets.token_hex(16),
            "slack_client_id": "demo.invoice2go",
            "slack_client_secret": secrets.token_hex(16),
            "slack_bot_token": None,  # installed by OAuth, as in many workspaces
            "slack_app_token": None,
            "slack_api_url": slack.api_url,
        }
    )


@contextmanager
def without_slack_environment() -> Iterator[None]:
    """Hide SLACK_* variables (a developer's own Slack app) for a while: Bolt reads some by
    itself (the bot token, the OAuth paths and scopes), and the demo's Slack is the stand-in."""
    hidden = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("SLACK_")}
    try:
        yield
    finally:
        os.environ.update(hidden)


@asynccontextmanager
async def web_process(
    base: Settings, sim: Simulator, slack: FakeSlack, folder: Path
) -> AsyncIterator[tuple[str, Settings]]:
    """Serve invoice2go's web app with its worker on 127.0.0.1 (as `serve` does); yield its
    address and settings."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{listening.getsockname()[1]}"
    settings = _settings(base, sim, slack, folder, public)
    runner = web.AppRunner(create_app(settings, worker=True, migrate=True), access_log=None)
    try:
        await runner.setup()
        await web.SockSite(runner, listening).start()
        yield public, settings
    finally:
        await runner.cleanup()
        listening.close()


async def run_demo(base: Settings, locale: str) -> int:
    """Run the demo from start to end; return the exit code."""
    print(
        _("Invoice2go ⇄ QuickBooks Online — a demo on this machine, no credentials needed", locale)
    )
    with (
        tempfile.TemporaryDirectory(prefix="invoice2go-demo-") as folder,
        without_slack_environment(),
    ):
        async with (
            Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim,
            FakeSlack.start(team_name=WORKSPACE) as slack,
            web_process(base, sim, slack, Path(folder)) as (public, settings),
            aiohttp.ClientSession() as browser,
        ):
            say(
                _(
                    "QuickBooks simulator: {url} — a sandbox company with {customers} customers "
                    "and {items} items",
                    locale,
                    url=sim.api_base,
                    customers=sim.config.customers,
                    items=sim.config.items,
                ),
                _("A stand-in for Slack's Web API: {url}", locale, url=slack.api_url),
                _("invoice2go's web process and its worker: {url}", locale, url=public),
                _(
                    "Everything below goes through invoice2go's HTTP endpoints, in requests "
                    "signed as Slack signs them.",
                    locale,
                ),
            )
            for user, name in PEOPLE.items():
                slack.add_user(user, name=name, locale=slack_locale(locale))
            assert settings.slack_signing_secret is not None
            driver = SlackDriver(
                session=browser,
                base_url=public,
                public_url=public,
                slack=slack,
                secret=settings.slack_signing_secret,
                user=ADA,
            )
            try:
                await Story(driver, sim, locale).tell()
            except UnexpectedAnswer as error:
                print(
                    "invoice2go: " + _("the demo stopped: {reason}", locale, reason=str(error)),
                    file=sys.stderr,
                )
                return 1
    return 0


class Story:
    """The journey, step by step, printed as the people read it."""

    def __init__(self, driver: SlackDriver, sim: Simulator, locale: str) -> None:
        self.driver = driver
        self.slack = driver.slack
        self.sim = sim
        self.locale = locale

    def _(self, message: str, **values: Any) -> str:
        return _(message, self.locale, **values)

    async def tell(self) -> None:
        await self.install()
        await self.wizard()
        await self.imported(ADA, 0)
        await self.delete()
        self.quickbooks_changes()
        await self.import_again()
        await self.refused_sign_in()

    async def install(self) -> None:
        step(
            self._(
                "{name} adds invoice2go to the Slack workspace “{workspace}”",
                name=ADA_NAME,
                workspace=self.slack.team_name,
            )
        )
        installed = await self.driver.install(ADA, language=slack_locale(self.locale))
        if installed.status != 200:
            raise UnexpectedAnswer(f"the install ended with {installed.status}")
        say(
            self._(
                "Slack asks {name} to allow what invoice2go needs ({scopes}); {name} allows it.",
                name=ADA_NAME,
                scopes=", ".join(installed.scopes),
            ),
            self._("The browser shows:"),
        )
        framed(read_page(installed.page))

    async def command(self, user: str, *words: str, told: str | None = None) -> dict[str, Any]:
        """A person types a command; print what invoice2go answers (only they see it).
        told: how the step is told (a message with {name} and {command})."""
        command = typed(self.locale, *words)
        step(self._(told or N_("{name} types {command}"), name=PEOPLE[user], command=command))
        status, answer = await self.driver.command(command.removeprefix(ids.COMMAND + " "), user)
        if status != 200:
            raise UnexpectedAnswer(f"{command} answered {status}")
        say(self._("invoice2go answers (only {name} sees it):", name=PEOPLE[user]))
        framed(read_message(str(answer.get("text", "")), answer.get("blocks", [])))
        return dict(answer)

    def window(self, view_id: str) -> dict[str, Any]:
        view = self.slack.views[view_id]
        framed(read_view(view))
        return view

    async def submit(self, view_id: str, values: dict[str, Any]) -> None:
        status, answer = await self.driver.submit(view_id, values, ADA)
        if status != 200 or answer.get("response_action") != "update":
            raise UnexpectedAnswer(f"the wizard answered {status} {answer!r}")
        say(self._("The window shows:"))
        self.window(view_id)

    async def wizard(self) -> None:
        """/invoice2go connect: the four steps, the browser sign-in among them."""
        command = typed(self.locale, "connect")
        step(self._("{name} types {command}", name=ADA_NAME, command=command))
        view_id = await self.driver.open_wizard_with(command.removeprefix(ids.COMMAND + " "), ADA)
        say(self._("invoice2go opens a window at once, then shows its first step:"))
        view = self.window(view_id)

        (sign_in,) = [b for b in buttons(view["blocks"]).values() if b.get("url")]
        step(
            self._(
                "{name} presses “{button}”, signs in to QuickBooks in the browser and allows "
                "access to the company",
                name=ADA_NAME,
                button=sign_in["text"]["text"],
            )
        )
        status, page = await self.driver.sign_in(self.driver.sign_in_link(view_id))
        if status != 200:
            raise UnexpectedAnswer(f"the sign-in ended with {status}")
        say(self._("The browser shows:"))
        framed(read_page(page))
        say(self._("Meanwhile the window in Slack has moved on by itself:"))
        view = self.window(view_id)

        block = next(b for b in view["blocks"] if b.get("block_id") == wizard.INCOME_BLOCK)
        options = {o["text"]["text"]: o["value"] for o in block["element"].get("options", [])}
        name = INCOME_ACCOUNT if INCOME_ACCOUNT in options else next(iter(options))
        step(
            self._(
                "{name} chooses “{income}” and presses “{button}”",
                name=ADA_NAME,
                income=name,
                button=view["submit"]["text"],
            )
        )
        await self.submit(view_id, income(options[name]))

        view = self.slack.views[view_id]
        mismatch = any(b.get("block_id") == wizard.ACK_BLOCK for b in view["blocks"])
        step(
            self._(
                "{name} reads the currencies and taxes and presses “{button}”",
                name=ADA_NAME,
                button=view["submit"]["text"],
            )
        )
        await self.submit(view_id, understood(True) if mismatch else {})

        view = self.slack.views[view_id]
        step(
            self._(
                "{name} keeps both ticked and presses “{button}”",
                name=ADA_NAME,
                button=view["submit"]["text"],
            )
        )
        await self.submit(view_id, kinds("clients", "items"))

    async def imported(self, user: str, before: int) -> Message:
        """The import's messages to a person: the one that follows it, then the summary."""
        progress, summary = (await self.driver.dm(user, before + 2))[before : before + 2]
        step(self._("invoice2go writes to {name} (a direct message)", name=PEOPLE[user]))
        say(self._("One message follows the import, edited as it runs:"))
        # As posted, and as last edited while the import ran (the very last edit is the
        # summary without its buttons).
        states = [read_message(text, blocks, compact=True) for text, blocks in progress.history]
        framed(states[0])
        if len(states) > 2 and states[-2] != states[0]:
            framed(["⋯", *states[-2]])
        say(self._("When it ends, a new message (so Slack notifies):"))
        framed(read_message(summary.text, summary.blocks))
        return summary

    async def delete(self) -> None:
        """Find a client and delete it: Slack asks first."""
        listed = await self.command(ADA, "clients", "amy")
        delete = buttons(listed.get("blocks", []))[ids.DELETE_RECORD]
        step(
            self._(
                "{name} presses “{button}”; Slack asks “{question}” and {name} confirms",
                name=ADA_NAME,
                button=delete["text"]["text"],
                question=delete["confirm"]["text"]["text"],
            )
        )
        hooks = len(self.slack.hooks)
        await self.driver.click(ids.DELETE_RECORD, delete["value"], ADA)
        await self.driver.wait(lambda: len(self.slack.hooks) > hooks, "the answer to Delete")
        answer = self.slack.hooks[-1]
        say(self._("invoice2go answers (only {name} sees it):", name=ADA_NAME))
        framed(read_message(str(answer.get("text", "")), answer.get("blocks", [])))

    def quickbooks_changes(self) -> None:
        company = self.sim.company
        company.add_customer("Zoe’s Zinnias")
        company.add_customer("COOL  CARS")
        company.add_item("Mulch", UnitPrice=12.5)
        step(self._("Meanwhile, in QuickBooks"))
        say(
            self._(
                "new customer “{customer}”, new item “{item}”",
                customer="Zoe’s Zinnias",
                item="Mulch",
            ),
            self._(
                "and “{name}”: the same name as “{existing}”, spelled another way",
                name="COOL  CARS",
                existing="Cool Cars",
            ),
        )

    async def import_again(self) -> None:
        before = len(self.slack.dm(ADA))
        await self.command(ADA, "import", "all")
        await self.imported(ADA, before)

    async def refused_sign_in(self) -> None:
        """QuickBooks refuses the saved sign-in: the import fails and an admin is told, once."""
        self.sim.inject("invalid_grant")
        self.sim.expire_access_tokens()
        step(
            self._(
                "At Intuit, invoice2go's access to the company is revoked: QuickBooks refuses "
                "the saved sign-in from now on"
            )
        )
        told = len(self.slack.dm(ADA))
        member = N_("{name}, a member of the workspace but not an admin, types {command}")
        await self.command(MO, "import", "clients", told=member)
        await self.imported(MO, 0)
        (message,) = (await self.driver.dm(ADA, told + 1))[told:]
        step(self._("invoice2go writes to {name}, an admin (a direct message)", name=ADA_NAME))
        framed(read_message(message.text, message.blocks))

        await self.command(MO, "import", "clients", told=N_("{name} tries again: {command}"))
        reconnects = [m for m in self.slack.messages if ids.RECONNECT in buttons(m.blocks)]
        names = sorted({PEOPLE.get(m.channel.removeprefix("D"), m.channel) for m in reconnects})
        step(
            ngettext(
                "In all, {n} message asked to reconnect, to {names}: nothing is queued or "
                "sent again until an admin reconnects.",
                "In all, {n} messages asked to reconnect, to {names}.",
                len(reconnects),
                self.locale,
                names=", ".join(names),
            )
        )
