"""The end of Slack's install (J1): the workspace's account is made and its installer becomes an
admin; the browser then shows a page in the person's language."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from i18n import pick_locale

if TYPE_CHECKING:
    from bot.config import AppServices

log = logging.getLogger(__name__)

HTML: dict[str, str | Sequence[str]] = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
}


class InstallPages(Protocol):
    """The browser pages at the end of an install, as HTML (made by the web layer)."""

    def installed(self, workspace: str, locale: str) -> str:
        """The app is in the workspace: say so, and what to do next."""
        ...

    def not_installed(self, reason: str, locale: str) -> str:
        """The install did not finish: say why in plain words, and what to do."""
        ...


def _locale(request: AsyncBoltRequest) -> str:
    header = request.headers.get("accept-language") or []
    return pick_locale(header[0] if header else None)


def callback_options(services: AppServices, pages: InstallPages) -> AsyncCallbackOptions:
    """Bolt's callbacks for a finished or refused install."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        name = installation.team_name or installation.team_id or ""
        if installation.team_id:  # an org-wide install meets its workspaces one by one later
            await services.workspaces.account_for(
                installation.team_id,
                name=installation.team_name,
                enterprise_id=installation.enterprise_id,
                installer=installation.user_id,
            )
        log.info("installed in workspace %s by %s", installation.team_id, installation.user_id)
        body = pages.installed(name, _locale(args.request))
        return BoltResponse(status=200, body=body, headers=HTML)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        log.info("install refused: %s", args.reason)
        body = pages.not_installed(args.reason, _locale(args.request))
        return BoltResponse(status=args.suggested_status_code, body=body, headers=HTML)

    return AsyncCallbackOptions(success=success, failure=failure)
