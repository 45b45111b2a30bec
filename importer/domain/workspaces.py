"""Slack workspaces and who in them may act (R7).

Each workspace owns one invoicing account. Only members of that workspace may run commands:
not guests, not people of other organisations in shared channels. Connecting, disconnecting and
changing settings are for account admins: the workspace's admins and owners, and the person
who installed the app (OAuth install mode).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Workspace:
    """A Slack workspace and the invoicing account it owns."""

    team_id: str
    account_id: str
    name: str | None = None
    enterprise_id: str | None = None
    installer_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class SlackUser:
    """What Slack's users.info says about a person, as far as rights and language go."""

    id: str
    team_id: str | None
    enterprise_id: str | None = None
    is_admin: bool = False
    is_owner: bool = False
    is_restricted: bool = False  # a multi-channel guest
    is_ultra_restricted: bool = False  # a single-channel guest
    is_bot: bool = False
    deleted: bool = False
    locale: str | None = None


def is_member(user: SlackUser, workspace: Workspace) -> bool:
    """Tell whether a person may use the app in this workspace (R7): a member, not a guest."""
    if user.deleted or user.is_bot or user.is_restricted or user.is_ultra_restricted:
        return False
    if user.team_id == workspace.team_id:
        return True
    # Enterprise Grid: a member of another workspace of the same organisation.
    return workspace.enterprise_id is not None and user.enterprise_id == workspace.enterprise_id


def is_account_admin(user: SlackUser, workspace: Workspace) -> bool:
    """Tell whether a member may connect, disconnect and change settings (R7)."""
    if not is_member(user, workspace):
        return False
    return user.is_admin or user.is_owner or user.id == workspace.installer_user_id
