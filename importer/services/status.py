"""Where an account stands (J6): its plan, its QBO connection, and its latest imports."""

from __future__ import annotations

from dataclasses import dataclass

from importer.domain.connections import QboConnection
from importer.domain.model import Account, Kind
from importer.domain.plans import Plans
from importer.domain.runs import ImportRun
from importer.ports.connections import ConnectionStore
from importer.ports.runs import RunHistory


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """An account's plan, connection and the latest import of each kind."""

    account: Account
    qbo_enabled: bool
    connection: QboConnection | None
    latest: dict[Kind, ImportRun | None]


class StatusService:
    """Tell where an account stands."""

    def __init__(self, connections: ConnectionStore, runs: RunHistory, plans: Plans) -> None:
        self._connections = connections
        self._runs = runs
        self._plans = plans

    async def status(self, account: Account) -> AccountStatus:
        """Return the account's plan, connection and latest runs."""
        latest: dict[Kind, ImportRun | None] = {}
        for kind in Kind:
            runs = await self._runs.list_runs(account.id, kind, limit=1)
            latest[kind] = runs[0] if runs else None
        return AccountStatus(
            account,
            self._plans.allows_qbo(account.plan),
            await self._connections.get_connection(account.id),
            latest,
        )
