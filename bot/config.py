"""How the Slack app is configured, and what its listeners are given: the services and stores
(Protocols and values only, so every module of the app can use them without a circle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.installations import Seal
from importer.ports.clock import Clock
from importer.ports.connections import OAuthStateStore
from importer.ports.runs import RunHistory
from importer.ports.slack import SlackInstallationStore
from importer.services.accounts import AccountService
from importer.services.connections import ConnectionService
from importer.services.jobs import JobService
from importer.services.records import RecordService
from importer.services.status import StatusService
from importer.services.workspaces import WorkspaceService


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """How this deployment meets Slack: one workspace with a bot token, or many by OAuth."""

    signing_secret: str
    bot_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    app_token: str | None = None
    api_url: str | None = None
    public_url: str = ""

    def __repr__(self) -> str:
        return f"SlackConfig(api_url={self.api_url!r}, oauth={self.oauth})"

    @property
    def oauth(self) -> bool:
        """Installed in many workspaces through Slack's OAuth (else one, with a bot token)."""
        return bool(self.client_id and self.client_secret) and not self.bot_token


class AppServices(Protocol):
    """What the listeners use: the services, built by the composition root."""

    @property
    def accounts(self) -> AccountService: ...

    @property
    def records(self) -> RecordService: ...

    @property
    def jobs(self) -> JobService: ...

    @property
    def status(self) -> StatusService: ...

    @property
    def workspaces(self) -> WorkspaceService: ...

    @property
    def connections(self) -> ConnectionService: ...

    @property
    def runs(self) -> RunHistory: ...


@dataclass(frozen=True, slots=True)
class SlackStores:
    """Where Slack's installations and install states are kept, and how tokens are sealed."""

    installations: SlackInstallationStore
    states: OAuthStateStore
    encrypt: Seal
    decrypt: Seal
    clock: Clock
