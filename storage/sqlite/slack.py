"""Slack workspaces and installations in SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from importer.domain.workspaces import Workspace
from storage.sqlite.core import SqliteCore
from storage.sqlite.schema import to_json

SLACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS slack_workspaces (
    team_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS slack_installations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    team_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    installed_at REAL NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS slack_installations_team
    ON slack_installations (team_key, user_id, installed_at);
"""


class SlackMixin(SqliteCore):
    """Workspaces and Slack installations."""

    async def migrate(self) -> None:
        await super().migrate()

        def work(conn: sqlite3.Connection) -> None:
            for statement in SLACK_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

        await self._call(work)

    async def get_workspace(self, team_id: str) -> Workspace | None:
        def work(conn: sqlite3.Connection) -> Workspace | None:
            row = conn.execute(
                "SELECT doc FROM slack_workspaces WHERE team_id = ?", (team_id,)
            ).fetchone()
            return None if row is None else Workspace(**json.loads(row[0]))

        return await self._call(work, write=False)

    async def workspace_of_account(self, account_id: str) -> Workspace | None:
        def work(conn: sqlite3.Connection) -> Workspace | None:
            row = conn.execute(
                "SELECT doc FROM slack_workspaces WHERE account_id = ?", (account_id,)
            ).fetchone()
            return None if row is None else Workspace(**json.loads(row[0]))

        return await self._call(work, write=False)

    async def add_workspace(self, workspace: Workspace) -> Workspace:
        def work(conn: sqlite3.Connection) -> Workspace:
            conn.execute(
                "INSERT INTO slack_workspaces VALUES (?, ?, ?) ON CONFLICT (team_id) DO NOTHING",
                (workspace.team_id, workspace.account_id, to_json(asdict(workspace))),
            )
            row = conn.execute(
                "SELECT doc FROM slack_workspaces WHERE team_id = ?", (workspace.team_id,)
            ).fetchone()
            return Workspace(**json.loads(row[0]))

        return await self._call(work)

    async def save_slack_installation(
        self, team_key: str, user_id: str, installed_at: float, data: Mapping[str, Any]
    ) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO slack_installations (team_key, user_id, installed_at, doc) "
                "VALUES (?, ?, ?, ?)",
                (team_key, user_id, installed_at, to_json(dict(data))),
            )

        await self._call(work)

    async def find_slack_installation(
        self, team_key: str, user_id: str | None = None
    ) -> dict[str, Any] | None:
        def work(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(
                "SELECT doc FROM slack_installations WHERE team_key = ? "
                "AND (? IS NULL OR user_id = ?) ORDER BY installed_at DESC, seq DESC LIMIT 1",
                (team_key, user_id, user_id),
            ).fetchone()
            if row is None:
                return None
            data: dict[str, Any] = json.loads(row[0])
            return data

        return await self._call(work, write=False)

    async def delete_slack_installations(self, team_key: str, user_id: str | None = None) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "DELETE FROM slack_installations WHERE team_key = ? AND (? IS NULL OR user_id = ?)",
                (team_key, user_id, user_id),
            )

        await self._call(work)
