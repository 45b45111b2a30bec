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
from bot.direct import dm_channel, send_dm
from bot.people import slack_user
from bot.render import messages
from bot.render.blocks import actions, button, dump, section
from bot.tokens import BotTokens
from i18n import _, pick_locale
from importer.domain.connections import ConnectionStatus, QboConnection
from importer.domain.jobs import Job, JobOrigin, JobStatus
from importer.domain.workspaces import Workspace, is_account_admin
from importer.ports.connections import ConnectionStore
from importer.ports.notify import JobNotifier
from importer.ports.slack import WorkspaceStore

log = logging.getLogger(__name__)

ClientFor = Callable[[str], AsyncWebClient]
# users.list pages read to find an admin to tell (when the app was not installed by OAuth).
ADMIN_PAGES = 5


class SlackNotifier:
    """A JobNotifier that writes to Slack, and to the log as well."""

    def __init__(
        self,
        tokens: BotTokens,
        client_for: ClientFor,
        workspaces: WorkspaceStore,
        connections: ConnectionStore,
        log_notifier: JobNotifier,
    ) -> None:
        self._tokens = tokens
        self._client_for = client_for
        self._workspaces = workspaces
        self._connections = connections
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
            locale = str(reply.get("locale") or "en")
            channel, ts = await send_dm(
                client,
                str(reply["user"]),
                _("Import queued; it starts in a moment.", locale),
                messages.progress_blocks(job, {}, locale),
            )
            return {"channel": channel, "ts": ts}
        except SlackApiError as error:
            log.warning("could not post the progress of job %s: %s", job.id, _error(error))
            return None

    async def job_progress(self, job: Job, progress: Mapping[str, Any]) -> None:
        """Edit the progress message (the worker calls this every few seconds at most)."""
        await self._edit_progress(
            job, lambda locale: messages.progress_blocks(job, progress, locale), "the progress"
        )

    async def job_waiting(self, job: Job, *, throttled: bool) -> None:
        """Say in the progress message that QuickBooks is not answering (or limits requests)
        and when the import tries again."""
        retry_at = job.not_before
        if retry_at is None:
            return
        await self._edit_progress(
            job,
            lambda locale: messages.progress_blocks(
                job, job.progress or {}, locale, retry_at=retry_at, throttled=throttled
            ),
            "that it waits",
        )

    async def _edit_progress(
        self, job: Job, blocks: Callable[[str], list[dict[str, Any]]], what: str
    ) -> None:
        """Replace the progress message's blocks, in the language of the person who asked."""
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
                    blocks=blocks(locale),
                )
        except SlackApiError as error:
            log.warning("could not show %s of job %s: %s", what, job.id, _error(error))

    async def job_finished(self, job: Job) -> None:
        """Turn the progress message into its last state and post the summary; when QuickBooks
        refused the sign-in, tell an admin once, with a Reconnect button."""
        await self._log.job_finished(job)
        reply = job.reply_to
        try:
            refused = await self._refusal(job)
            if reply.get("user"):
                await self._summary(job, reply, refused)
            elif job.origin is JobOrigin.AUTO_IMPORT:
                await self._digest(job, refused)
        except SlackApiError as error:
            log.warning("could not post the summary of job %s: %s", job.id, _error(error))

    async def _refusal(self, job: Job) -> QboConnection | None:
        """Return the connection whose saved sign-in QuickBooks refused, when this job met that."""
        if job.status is not JobStatus.FAILED:
            return None
        connection = await self._connections.get_connection(job.account_id)
        if connection is None or connection.status is not ConnectionStatus.NEEDS_RECONNECT:
            return None
        return connection

    async def _first_time(self, refused: QboConnection | None) -> bool:
        """Say whether nobody was told of this refusal yet, and note in the store that now they
        are: every worker process then knows (a reconnect makes a new connection, told anew)."""
        if refused is None or refused.reconnect_told:
            return False
        await self._connections.update_connection(refused.account_id, reconnect_told=True)
        return True

    async def _summary(
        self, job: Job, reply: Mapping[str, Any], refused: QboConnection | None
    ) -> None:
        client = await self._client(reply.get("team"))
        if client is None:
            return
        locale = str(reply.get("locale") or "en")
        channel = reply.get("channel") or await dm_channel(client, str(reply["user"]))
        workspace = await self._workspaces.workspace_of_account(job.account_id)
        tell = await self._first_time(refused)
        asker_acts = tell and await self._is_admin(client, str(reply["user"]), workspace)
        text = messages.summary_text(job, locale)
        reconnect = refused is not None
        if reply.get("ts"):
            last = messages.summary_blocks(job, locale, reconnect=reconnect, buttons=False)
            await client.chat_update(channel=channel, ts=reply["ts"], text=text, blocks=last)
        blocks = messages.summary_blocks(
            job, locale, reconnect=reconnect, reconnect_button=asker_acts
        )
        await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        if tell and not asker_acts:
            await self._reconnect(client, workspace)

    async def _digest(self, job: Job, refused: QboConnection | None) -> None:
        """Auto-import's outcome, once per window (never a message per record), when something
        came in or went wrong: a window that only skipped (a renamed record's update, R9) is
        not worth a message."""
        if not _worth_a_digest(job):
            return
        workspace = await self._workspaces.workspace_of_account(job.account_id)
        if workspace is None:
            return
        client = await self._client(workspace.team_id)
        if client is None:
            return
        admin = await self._admin(client, workspace)
        if admin is None:
            return
        locale = await self._locale(client, admin)
        tell = await self._first_time(refused)
        title = _("Auto-import brought in what QuickBooks announced", locale)
        summary = messages.summary_blocks(
            job, locale, reconnect=refused is not None, reconnect_button=tell
        )
        blocks = [*dump([section(f"*{title}*")]), *summary[1:]]
        await send_dm(client, admin, title, blocks)

    async def _reconnect(self, client: AsyncWebClient, workspace: Workspace | None) -> None:
        """Tell the account's admin that QuickBooks must be connected again, with a button."""
        admin = None if workspace is None else await self._admin(client, workspace)
        if admin is None:
            log.warning("QuickBooks needs a reconnect but no admin of the workspace was found")
            return
        locale = await self._locale(client, admin)
        text = _(
            "QuickBooks no longer accepts the saved sign-in: imports wait until an admin "
            "reconnects.",
            locale,
        )
        reconnect = button(_("Reconnect", locale), ids.RECONNECT, "message", style="primary")
        await send_dm(client, admin, text, dump([section(text), actions(reconnect)]))

    async def _is_admin(
        self, client: AsyncWebClient, user_id: str, workspace: Workspace | None
    ) -> bool:
        if workspace is None:
            return False
        if user_id == workspace.installer_user_id:
            return True
        person = (await client.users_info(user=user_id))["user"]
        return is_account_admin(slack_user(dict(person)), workspace)

    async def _admin(self, client: AsyncWebClient, workspace: Workspace) -> str | None:
        """The admin to tell: the installer, else the workspace's owner or first admin."""
        if workspace.installer_user_id:
            return workspace.installer_user_id
        found: dict[int, str] = {}
        cursor = None
        for _page in range(ADMIN_PAGES):
            answer = await client.users_list(cursor=cursor, limit=200)
            for data in answer.get("members") or []:
                person = slack_user(dict(data))
                if not is_account_admin(person, workspace):
                    continue
                rank = 0 if data.get("is_primary_owner") else 1 if person.is_owner else 2
                found.setdefault(rank, person.id)
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not cursor or 0 in found:
                break
        return found[min(found)] if found else None

    async def _locale(self, client: AsyncWebClient, user_id: str) -> str:
        person = await client.users_info(user=user_id, include_locale=True)
        return pick_locale(person["user"].get("locale"))


def _worth_a_digest(job: Job) -> bool:
    """Say whether an auto-import brought something in, or failed in any way."""
    if job.status is not JobStatus.SUCCEEDED or job.error:
        return True
    outcome = job.outcome or {}
    for kind in job.kinds:
        counts = outcome.get(kind.value)
        if not isinstance(counts, Mapping) or counts.get("run_id") is None:
            return True  # a kind that was not imported: the summary says why
        if counts.get("imported") or counts.get("failed"):
            return True
    return False


def _error(error: SlackApiError) -> str:
    return str(error.response.get("error") or error)
