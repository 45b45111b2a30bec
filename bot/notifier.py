"""Tell people in Slack about imports (J4, J6, J7): one message edited while a job runs, then a
new summary message (so Slack notifies); the auto-import digest; the reconnect message.

Runs in the worker. Slack being unreachable never fails an import: it is logged and the import
goes on (its outcome stays on the job, `jobs list`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import ids
from bot.render import messages
from bot.render.blocks import actions, button, dump, section
from bot.tokens import BotTokens
from i18n import _, pick_locale
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.ports.notify import JobNotifier
from importer.ports.slack import WorkspaceStore

log = logging.getLogger(__name__)

ClientFor = Callable[[str], AsyncWebClient]


class SlackNotifier:
    """A JobNotifier that writes to Slack, and to the log as well."""

    def __init__(
        self,
        tokens: BotTokens,
        client_for: ClientFor,
        workspaces: WorkspaceStore,
        log_notifier: JobNotifier,
    ) -> None:
        self._tokens = tokens
        self._client_for = client_for
        self._workspaces = workspaces
        self._log = log_notifier

    def __repr__(self) -> str:
        return "SlackNotifier()"

    async def _client(self, team: str | None) -> AsyncWebClient | None:
        token = await self._tokens.for_team(team)
        return None if token is None else self._client_for(token)

    async def job_started(self, job: Job) -> Mapping[str, Any] | None:
        """Post the progress message in the asker's DM (once, even if the job starts again)."""
        reply = job.reply_to
        if not reply.get("user") or reply.get("ts"):
            return None
        try:
            client = await self._client(reply.get("team"))
            if client is None:
                return None
            opened = await client.conversations_open(users=reply["user"])
            channel = opened["channel"]["id"]
            locale = str(reply.get("locale") or "en")
            posted = await client.chat_postMessage(
                channel=channel,
                text=_("Import queued; it starts in a moment.", locale),
                blocks=messages.progress_blocks(job, {}, locale),
            )
            return {"channel": channel, "ts": posted["ts"]}
        except SlackApiError as error:
            log.warning("could not post the progress of job %s: %s", job.id, _error(error))
            return None

    async def job_progress(self, job: Job, progress: Mapping[str, Any]) -> None:
        """Edit the progress message (the worker calls this every few seconds at most)."""
        reply = job.reply_to
        if not reply.get("ts"):
            return
        locale = str(reply.get("locale") or "en")
        try:
            client = await self._client(reply.get("team"))
            if client is not None:
                await client.chat_update(
                    channel=reply["channel"],
                    ts=reply["ts"],
                    text=_("Importing…", locale),
                    blocks=messages.progress_blocks(job, progress, locale),
                )
        except SlackApiError as error:
            log.warning("could not show the progress of job %s: %s", job.id, _error(error))

    async def job_finished(self, job: Job) -> None:
        """Turn the progress message into its last state and post the summary."""
        await self._log.job_finished(job)
        reply = job.reply_to
        try:
            if reply.get("user"):
                await self._summary(job, reply)
            elif job.origin is JobOrigin.AUTO_IMPORT:
                await self._digest(job)
        except SlackApiError as error:
            log.warning("could not post the summary of job %s: %s", job.id, _error(error))

    async def _summary(self, job: Job, reply: Mapping[str, Any]) -> None:
        client = await self._client(reply.get("team"))
        if client is None:
            return
        locale = str(reply.get("locale") or "en")
        channel = reply.get("channel")
        if channel is None:
            opened = await client.conversations_open(users=reply["user"])
            channel = opened["channel"]["id"]
        text = messages.summary_text(job, locale)
        blocks = messages.summary_blocks(job, locale)
        if reply.get("ts"):
            await client.chat_update(channel=channel, ts=reply["ts"], text=text, blocks=blocks)
        await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        if _needs_reconnect(job):
            await self._reconnect(job, client, exclude=str(reply["user"]), locale=locale)

    async def _digest(self, job: Job) -> None:
        """Auto-import's outcome, once per window (never a message per record)."""
        workspace = await self._workspaces.workspace_of_account(job.account_id)
        if workspace is None or workspace.installer_user_id is None:
            return
        client = await self._client(workspace.team_id)
        if client is None:
            return
        person = await client.users_info(user=workspace.installer_user_id, include_locale=True)
        locale = pick_locale(person["user"].get("locale"))
        opened = await client.conversations_open(users=workspace.installer_user_id)
        title = _("Auto-import brought in what QuickBooks announced", locale)
        blocks = [*dump([section(f"*{title}*")]), *messages.summary_blocks(job, locale)[1:]]
        await client.chat_postMessage(channel=opened["channel"]["id"], text=title, blocks=blocks)
        if _needs_reconnect(job):
            await self._reconnect(job, client, exclude=None, locale=locale)

    async def _reconnect(
        self, job: Job, client: AsyncWebClient, *, exclude: str | None, locale: str
    ) -> None:
        """Tell the account's admin that QuickBooks must be connected again, with a button."""
        workspace = await self._workspaces.workspace_of_account(job.account_id)
        admin = None if workspace is None else workspace.installer_user_id
        if admin is None or admin == exclude:
            return
        opened = await client.conversations_open(users=admin)
        text = _(
            "QuickBooks no longer accepts the saved sign-in: imports wait until an admin "
            "reconnects.",
            locale,
        )
        await client.chat_postMessage(
            channel=opened["channel"]["id"],
            text=text,
            blocks=dump(
                [
                    section(text),
                    actions(
                        button(_("Reconnect", locale), ids.RECONNECT, "message", style="primary")
                    ),
                ]
            ),
        )


def _needs_reconnect(job: Job) -> bool:
    return job.status is JobStatus.FAILED and "reconnect" in (job.error or "").lower()


def _error(error: SlackApiError) -> str:
    return str(error.response.get("error") or error)
