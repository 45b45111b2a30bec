"""A local stand-in for Slack's Web API, for the demo and the tests.

An aiohttp app on 127.0.0.1: `POST /api/{method}` answers the methods the app calls the way
Slack does (`{"ok": true, …}` or `{"ok": false, "error": …}`), remembers every call, keeps the
messages and views people would see, and can answer 429 with Retry-After like Slack's rate
limits. `POST /hooks/{id}` stands for a response_url. People (users.info) are registered by the
test or the demo, with their workspace, rights and locale.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-fake-bot-token"


@dataclass
class Call:
    """One Web API call as the app made it."""

    method: str
    args: dict[str, Any]
    token: str | None
    answered: int = 200  # the HTTP status Slack gave
    at: float = field(default_factory=time.monotonic)


@dataclass
class Message:
    """A message in a conversation, as a person sees it (the latest edit)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    edits: int = 0
    # Every state the message was in, oldest first (the first as posted, the last as shown).
    history: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)


@dataclass
class FakeSlack:
    """Slack's Web API for one or more workspaces, in memory."""

    team_id: str = "T0DEMO"
    team_name: str = "Demo Landscaping"
    bot_user_id: str = "U0BOT"
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    ephemeral: list[dict[str, Any]] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    rate_limited: dict[str, tuple[int, int]] = field(default_factory=dict)
    base_url: str = ""
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str | None = None,
        locale: str = "en-US",
        admin: bool = False,
        owner: bool = False,
        guest: bool = False,
        name: str | None = None,
    ) -> None:
        """Register a person users.info will describe."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name or user_id.lower(),
            "real_name": name or user_id,
            "locale": locale,
            "is_admin": admin,
            "is_owner": owner,
            "is_restricted": guest,
            "is_ultra_restricted": False,
            "is_bot": False,
            "deleted": False,
        }

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next calls of a method with 429 and Retry-After (seconds)."""
        self.rate_limited[method] = (times, retry_after)

    def close_view(self, view_id: str) -> None:
        """The person closed a modal: Slack forgets it (views.update then says not_found)."""
        self.views.pop(view_id, None)

    def called(self, method: str) -> list[Call]:
        """Return the calls of one method, oldest first."""
        return [call for call in self.calls if call.method == method]

    def conversation(self, channel: str) -> list[Message]:
        """Return the messages of a conversation, oldest first."""
        return [message for message in self.messages if message.channel == channel]

    def dm(self, user_id: str) -> list[Message]:
        """Return the app's messages to one person."""
        return self.conversation(f"D{user_id}")

    # the Web API

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        answer: dict[str, Any] = handler(args)
        return answer

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_id.lower()}.slack.com/",
            "team": self.team_name,
            "team_id": self.team_id,
            "user": "invoice2go",
            "user_id": self.bot_user_id,
            "bot_id": "B0BOT",
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        members = [user for user in self.users.values() if user["team_id"] == self.team_id]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        return {"ok": True, "channel": {"id": f"D{users.split(',')[0]}"}}

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _blocks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args["channel"])
        message = Message(channel, self._next_ts(), str(args.get("text") or ""), self._blocks(args))
        message.history.append((message.text, message.blocks))
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message.ts}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        for message in self.messages:
            if message.channel == args.get("channel") and message.ts == args.get("ts"):
                message.text = str(args.get("text") or "")
                message.blocks = self._blocks(args)
                message.edits += 1
                message.history.append((message.text, message.blocks))
                return {"ok": True, "channel": message.channel, "ts": message.ts}
        return {"ok": False, "error": "message_not_found"}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self.ephemeral.append({**args, "blocks": self._blocks(args)})
        return {"ok": True, "message_ts": self._next_ts()}

    def _view(self, args: dict[str, Any], view_id: str) -> dict[str, Any]:
        view = args["view"]
        view = json.loads(view) if isinstance(view, str) else dict(view)
        stored = {**view, "id": view_id, "hash": f"h{next(self._ts)}"}
        self.views[view_id] = stored
        return {"ok": True, "view": stored}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view(args, f"V{next(self._ts):06d}")

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._views_open(args)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = str(args.get("view_id") or "")
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._view(args, view_id)

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = self._view(args, f"VH{args.get('user_id')}")
        self.home[str(args.get("user_id"))] = answer["view"]
        return answer

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if not str(args.get("code", "")).startswith("good-"):
            return {"ok": False, "error": "invalid_code"}
        installer = str(args["code"]).removeprefix("good-")
        return {
            "ok": True,
            "app_id": "A0APP",
            "authed_user": {"id": installer},
            "scope": "commands,chat:write,im:write,users:read",
            "token_type": "bot",
            "access_token": BOT_TOKEN,
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": self.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # HTTP

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{hook}", self._hook)
        return app

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":
            args: dict[str, Any] = dict(request.query)
        elif request.content_type == "application/json":
            args = await request.json()
        else:
            args = {**request.query, **dict(await request.post())}
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        call = Call(method, dict(args), token)
        self.calls.append(call)
        times, retry_after = self.rate_limited.get(method, (0, 0))
        if times:
            self.rate_limited[method] = (times - 1, retry_after)
            call.answered = 429
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
        return web.json_response(self._answer(method, dict(args)))

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.hooks.append({"hook": request.match_info["hook"], **body})
        return web.Response(text="ok")

    def hook_url(self, name: str = "r1") -> str:
        """Return a response_url that lands in hooks."""
        return f"{self.base_url}/hooks/{name}"

    @classmethod
    @asynccontextmanager
    async def start(cls, **options: Any) -> AsyncIterator[FakeSlack]:
        """Serve a fake Slack on 127.0.0.1 for the duration of the block."""
        fake = cls(**options)
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]  # asyncio's Server
        fake.base_url = f"http://127.0.0.1:{port}"
        try:
            yield fake
        finally:
            await runner.cleanup()

    @property
    def api_url(self) -> str:
        """The base URL for the Web API client (SLACK_API_URL)."""
        return f"{self.base_url}/api/"
