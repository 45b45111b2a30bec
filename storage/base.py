"""The storage interface every store implements, and the plain records it speaks in."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from importer.rules import Counts, Kind, Known, Skipped

PLANS = ("starter", "professional", "premium")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class StoreError(Exception):
    """A storage failure worth one clear line to the user."""


class AccountExists(StoreError):
    """An account with that name already exists."""


class NameTaken(StoreError):
    """A client or item with that name (after normalisation) already exists in the account."""


class RunInProgress(StoreError):
    """Another import of the same account and kind is running (R8)."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(f"an import of {run.kind} is already running ({run.id})")
        self.run = run


class LeaseLost(StoreError):
    """This worker no longer owns the run: another one took it over."""


@dataclass(frozen=True, slots=True)
class Account:
    """An invoicing account: one per workspace or created on the command line."""

    id: str
    name: str
    plan: str
    currency: str
    created_at: datetime


class NewRecord(NamedTuple):
    """A client or item about to be written (a tuple: an import makes 100,000s of them)."""

    name: str
    name_key: str
    fields: Mapping[str, Any] = MappingProxyType({})
    qbo_realm: str | None = None
    qbo_id: str | None = None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """A stored client or item. Money in fields is a decimal string, never a float."""

    id: str
    account_id: str
    kind: Kind
    name: str
    name_key: str
    fields: Mapping[str, Any]
    qbo_realm: str | None
    qbo_id: str | None
    run_id: str | None
    created_at: datetime

    @property
    def unit_price(self) -> Decimal | None:
        value = self.fields.get("unit_price")
        return None if value is None else Decimal(str(value))


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportRun:
    """One import of one kind for one account, with its lease and latest counts."""

    id: str
    account_id: str
    kind: Kind
    realm_id: str
    status: RunStatus
    owner: str
    lease_expires_at: datetime
    started_at: datetime
    finished_at: datetime | None = None
    counts: Counts = field(default_factory=Counts)
    total: int | None = None
    pages: int = 0
    next_position: str | None = None
    error: str | None = None


def new_run(
    account_id: str, kind: Kind, realm_id: str, owner: str, lease_until: datetime, now: datetime
) -> ImportRun:
    """Return a run about to start: running, owned, with a fresh id."""
    return ImportRun(
        id=uuid.uuid4().hex,
        account_id=account_id,
        kind=kind,
        realm_id=realm_id,
        status=RunStatus.RUNNING,
        owner=owner,
        lease_expires_at=lease_until.astimezone(UTC),
        started_at=now,
    )


def run_lock(account_id: str, kind: Kind) -> str:
    """Return the value held by the one running import of an account and kind (R8)."""
    return f"{account_id}:{kind.value}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a run has done after a batch of pages: cumulative counts, the batch's skips (kept
    under page_no, the number of pages done), where to go on."""

    page_no: int
    next_position: str | None
    counts: Counts
    skipped: Sequence[Skipped] = ()
    total: int | None = None


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True, slots=True)
class TokenSet:
    """Encrypted tokens with their expiry times, as stored."""

    refresh_token: str
    access_token: str | None = None
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QboConnection:
    """The QBO company attached to an account; token fields hold ciphertext only."""

    account_id: str
    realm_id: str
    environment: str
    tokens: TokenSet
    token_version: int = 0
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    status_reason: str | None = None
    company_name: str | None = None
    country: str | None = None
    home_currency: str | None = None
    multicurrency: bool | None = None
    income_account_id: str | None = None
    connected_at: datetime | None = None


class Store(Protocol):
    """Everything the product keeps. Each method is a constant number of database round trips."""

    round_trips: int

    async def migrate(self) -> None:
        """Create tables or collections and indexes; safe to run again."""

    async def close(self) -> None:
        """Release connections."""

    # accounts
    async def create_account(self, name: str, plan: str, currency: str = "USD") -> Account: ...
    async def find_account(self, name: str) -> Account | None: ...
    async def get_account(self, account_id: str) -> Account | None: ...
    async def list_accounts(self) -> list[Account]: ...

    # clients and items
    async def lookup(
        self,
        account_id: str,
        kind: Kind,
        realm_id: str,
        keys: Sequence[str],
        qbo_ids: Sequence[str],
    ) -> Known:
        """Return which of these name keys exist or were deleted, and which QBO ids were deleted."""

    async def insert_records(
        self, account_id: str, kind: Kind, records: Sequence[NewRecord]
    ) -> set[str]:
        """Insert in one round trip; return the name keys the unique index refused."""

    async def add_record(self, account_id: str, kind: Kind, record: NewRecord) -> Record:
        """Create one record by hand; raise NameTaken when the name exists."""

    async def list_records(
        self,
        account_id: str,
        kind: Kind,
        *,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]:
        """Return records ordered by name key, optionally those whose key contains search."""

    async def count_records(self, account_id: str, kind: Kind) -> int: ...

    async def find_record(self, account_id: str, kind: Kind, key: str) -> Record | None:
        """Return the record holding this name key."""

    async def delete_record(self, account_id: str, kind: Kind, record_id: str) -> Record | None:
        """Record the deleted name (and QBO id) first, then remove the record (R2)."""

    # import runs
    async def begin_run(
        self, account_id: str, kind: Kind, realm_id: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        """Start a run; raise RunInProgress with the running one if there is one (R8)."""

    async def take_over_run(
        self, run_id: str, old_owner: str, owner: str, lease_until: datetime
    ) -> ImportRun:
        """Move a stale run to a new owner; raise RunInProgress if someone else moved first."""

    async def renew_lease(self, run_id: str, owner: str, lease_until: datetime) -> None:
        """Extend the lease; raise LeaseLost when the run has another owner."""

    async def save_checkpoint(self, run_id: str, owner: str, checkpoint: Checkpoint) -> None:
        """Store a batch's outcome in one round trip; raise LeaseLost if not the owner."""

    async def finish_run(
        self, run_id: str, owner: str, status: RunStatus, error: str | None = None
    ) -> ImportRun: ...

    async def get_run(self, run_id: str) -> ImportRun | None: ...

    async def list_runs(
        self, account_id: str, kind: Kind | None = None, limit: int = 10
    ) -> list[ImportRun]:
        """Return the newest runs first."""

    async def skipped_entries(
        self, run_id: str, limit: int = 100, offset: int = 0
    ) -> list[Skipped]:
        """Return a run's skipped names with their reasons, in the order met."""

    # QBO connections
    async def save_connection(self, connection: QboConnection) -> QboConnection:
        """Attach (or re-attach) a company to an account; token_version starts again."""

    async def get_connection(self, account_id: str) -> QboConnection | None: ...

    async def swap_tokens(self, account_id: str, expected_version: int, tokens: TokenSet) -> bool:
        """Replace tokens only if the stored version is still expected_version (compare-and-set)."""

    async def set_connection_status(
        self, account_id: str, status: ConnectionStatus, reason: str | None = None
    ) -> None: ...

    async def update_connection(self, account_id: str, **changes: Any) -> None:
        """Change descriptive fields (company name, currency, income account)."""

    # OAuth states: single use, expiring
    async def put_oauth_state(
        self, state_id: str, data: Mapping[str, Any], expires_at: datetime
    ) -> None: ...

    async def take_oauth_state(self, state_id: str) -> dict[str, Any] | None:
        """Return and remove a state that has not expired; None when unknown, used or expired."""
