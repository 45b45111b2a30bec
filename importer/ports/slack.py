"""What the Slack app keeps: workspaces with their accounts, and Slack's installations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from importer.domain.workspaces import Workspace


class WorkspaceStore(Protocol):
    """Which invoicing account each Slack workspace owns."""

    async def get_workspace(self, team_id: str) -> Workspace | None:
        """Return the workspace with this team id."""
        ...

    async def add_workspace(self, workspace: Workspace) -> Workspace:
        """Keep a new workspace; when one with that team id exists, return it unchanged."""
        ...

    async def workspace_of_account(self, account_id: str) -> Workspace | None:
        """Return the workspace that owns an account, if one does."""
        ...


class SlackInstallationStore(Protocol):
    """Slack's OAuth installations, newest first per workspace; tokens arrive encrypted."""

    async def save_slack_installation(
        self, team_key: str, user_id: str, installed_at: float, data: Mapping[str, Any]
    ) -> None:
        """Keep an installation (of a workspace, or of one user of it)."""
        ...

    async def find_slack_installation(
        self, team_key: str, user_id: str | None = None
    ) -> dict[str, Any] | None:
        """Return the newest installation of a workspace, or of one of its users."""
        ...

    async def delete_slack_installations(self, team_key: str, user_id: str | None = None) -> None:
        """Forget a workspace's installations (all, or one user's)."""
        ...
