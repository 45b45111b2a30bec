"""Answers bigger than their stated limit are refused with one clear sentence, not read into
memory whatever their size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from importer.domain.errors import ServerError
from qbo.client import QboClient
from qbo.connection import FixedTokens
from qbo.limits import RealmLimiter
from qbo.oauth import MAX_TOKEN_BODY, IntuitOAuth, OAuthEndpoints
from tests.qbo.conftest import FAST_RETRY, MakeWorld

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


async def test_a_qbo_answer_over_the_body_limit_is_a_clear_failure(make_world: MakeWorld) -> None:
    world = await make_world()
    process = await world.process()
    access = world.sim.issue_tokens()["access_token"]
    small = QboClient(
        process.session,
        world.sim.api_base,
        world.sim.realm_id,
        FixedTokens(access),
        RealmLimiter(),
        FAST_RETRY,
        max_body=4096,
    )

    assert await small.count("Customer") == 29  # a small answer is read
    world.sim.requests.clear()
    with pytest.raises(ServerError, match="more than 4,096 bytes"):
        await small.page("Customer", 1)  # 29 customers are more than 4 KB
    assert len(world.sim.requests) == 1  # refused, not asked again


async def test_a_token_answer_over_the_body_limit_is_a_clear_failure(
    aiohttp_server: AiohttpServer, make_world: MakeWorld
) -> None:
    world = await make_world()
    process = await world.process()

    async def flood(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"access_token":"' + b"x" * MAX_TOKEN_BODY + b'"}')
        return response

    app = web.Application()
    app.router.add_post("/token", flood)
    server = await aiohttp_server(app)
    oauth = IntuitOAuth(
        process.session,
        OAuthEndpoints(
            auth_url=world.sim.auth_url,
            token_url=str(server.make_url("/token")),
            revoke_url=world.sim.revoke_url,
            client_id=world.sim.client_id,
            client_secret=world.sim.client_secret,
            redirect_uri="https://invoice2go.example/quickbooks/callback",
        ),
        lambda: datetime.now(UTC),
    )

    with pytest.raises(ServerError, match="more than 1,048,576 bytes"):
        await oauth.refresh("a-refresh-token")
