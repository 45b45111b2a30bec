"""Slack workspaces and installations on MongoDB."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from importer.domain.workspaces import Workspace
from storage.mongo.core import MongoCore
from storage.mongo.documents import Doc, new_id

SLACK_INDEXES = {
    "slack_workspaces": [IndexModel([("account_id", ASCENDING)], name="account", unique=True)],
    "slack_installations": [
        IndexModel(
            [("team_key", ASCENDING), ("user_id", ASCENDING), ("installed_at", DESCENDING)],
            name="newest",
        ),
        IndexModel([("team_key", ASCENDING), ("installed_at", DESCENDING)], name="team_newest"),
    ],
}


def _workspace(doc: Doc) -> Workspace:
    return Workspace(
        team_id=doc["_id"],
        account_id=doc["account_id"],
        name=doc.get("name"),
        enterprise_id=doc.get("enterprise_id"),
        installer_user_id=doc.get("installer_user_id"),
    )


class SlackMixin(MongoCore):
    """Workspaces and Slack installations."""

    async def migrate(self) -> None:
        """Create the indexes, the Slack collections' among them; safe to run again."""
        await super().migrate()
        for name, indexes in SLACK_INDEXES.items():
            self._trip()
            await self.database[name].create_indexes(indexes)

    async def get_workspace(self, team_id: str) -> Workspace | None:
        """Return the workspace with this team id."""
        self._trip()
        doc = await self.database["slack_workspaces"].find_one({"_id": team_id})
        return None if doc is None else _workspace(doc)

    async def workspace_of_account(self, account_id: str) -> Workspace | None:
        """Return the workspace that owns an account, if one does."""
        self._trip()
        doc = await self.database["slack_workspaces"].find_one({"account_id": account_id})
        return None if doc is None else _workspace(doc)

    async def add_workspace(self, workspace: Workspace) -> Workspace:
        """Keep a new workspace; when one with that team id exists, return it unchanged."""
        fields = asdict(workspace)
        doc = {"_id": fields.pop("team_id"), **fields}
        self._trip()
        try:
            await self.database["slack_workspaces"].insert_one(doc)
        except DuplicateKeyError:
            existing = await self.get_workspace(workspace.team_id)
            if existing is None:
                raise
            return existing
        return workspace

    async def save_slack_installation(
        self, team_key: str, user_id: str, installed_at: float, data: Mapping[str, Any]
    ) -> None:
        """Keep an installation (of a workspace, or of one user of it)."""
        self._trip()
        await self.database["slack_installations"].insert_one(
            {
                "_id": new_id(),
                "team_key": team_key,
                "user_id": user_id,
                "installed_at": installed_at,
                "data": dict(data),
            }
        )

    async def find_slack_installation(
        self, team_key: str, user_id: str | None = None
    ) -> dict[str, Any] | None:
        """Return the newest installation of a workspace, or of one of its users."""
        query: Doc = {"team_key": team_key}
        if user_id is not None:
            query["user_id"] = user_id
        self._trip()
        doc = await self.database["slack_installations"].find_one(
            query, sort=[("installed_at", DESCENDING), ("_id", DESCENDING)]
        )
        if doc is None:
            return None
        data: dict[str, Any] = doc["data"]
        return data

    async def delete_slack_installations(self, team_key: str, user_id: str | None = None) -> None:
        """Forget a workspace's installations (all, or one user's)."""
        query: Doc = {"team_key": team_key}
        if user_id is not None:
            query["user_id"] = user_id
        self._trip()
        await self.database["slack_installations"].delete_many(query)
