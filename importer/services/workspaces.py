"""Slack workspaces (J1): each owns one invoicing account, made when it first meets the app."""

from __future__ import annotations

import logging

from importer.domain.errors import AccountExists, StoreError
from importer.domain.messages import N_
from importer.domain.model import Account
from importer.domain.plans import Plans
from importer.domain.workspaces import Workspace
from importer.ports.accounts import AccountStore
from importer.ports.slack import WorkspaceStore

log = logging.getLogger(__name__)


class WorkspaceService:
    """Find or make the invoicing account of a Slack workspace."""

    def __init__(self, workspaces: WorkspaceStore, accounts: AccountStore, plans: Plans) -> None:
        self._workspaces = workspaces
        self._accounts = accounts
        self._plans = plans

    async def account_for(
        self,
        team_id: str,
        *,
        name: str | None = None,
        enterprise_id: str | None = None,
        installer: str | None = None,
    ) -> tuple[Workspace, Account]:
        """Return the workspace and its account, making both on first use (install, or the
        first command in single-workspace mode). The installer becomes an account admin."""
        workspace = await self._workspaces.get_workspace(team_id)
        if workspace is None:
            account = await self._new_account(name or team_id, team_id)
            workspace = await self._workspaces.add_workspace(
                Workspace(team_id, account.id, name, enterprise_id, installer)
            )
            if workspace.account_id != account.id:
                log.warning(
                    "workspace %s met the app twice at once; %s is unused", team_id, account.id
                )
        found = await self._accounts.get_account(workspace.account_id)
        if found is None:
            raise StoreError(N_("the account of workspace {team} is missing"), team=team_id)
        return workspace, found

    async def _new_account(self, name: str, team_id: str) -> Account:
        try:
            return await self._accounts.create_account(name, self._plans.default)
        except AccountExists:
            # Another account (a workspace of the same name, or one made on the command line).
            return await self._accounts.create_account(f"{name} ({team_id})", self._plans.default)
