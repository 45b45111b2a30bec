"""The whole store: every port one database implements, as the composition root opens it."""

from __future__ import annotations

from typing import Protocol

from importer.ports.accounts import AccountStore
from importer.ports.companies import CompanyLeases
from importer.ports.connections import ConnectionStore, OAuthStateStore
from importer.ports.jobs import JobQueue
from importer.ports.records import RecordBook, RecordWriter
from importer.ports.runs import RunStore
from importer.ports.slack import SlackInstallationStore, WorkspaceStore
from importer.ports.webhooks import WebhookEventStore


class Store(
    AccountStore,
    RecordWriter,
    RecordBook,
    RunStore,
    CompanyLeases,
    ConnectionStore,
    OAuthStateStore,
    JobQueue,
    WebhookEventStore,
    WorkspaceStore,
    SlackInstallationStore,
    Protocol,
):
    """Everything the product keeps. Each method is a constant number of database round trips."""

    round_trips: int

    async def migrate(self) -> None:
        """Create tables or collections and indexes; safe to run again."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...

    async def readiness(self) -> str | None:
        """Return None when the database answers and its schema is current, else why not."""
        ...
