"""QuickBooks Online as the services see it: sign-in with Intuit, and a connected company."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from importer.domain.connections import QboConnection, TokenSet
from importer.domain.model import Kind
from importer.ports.source import PauseListener, RecordSource


@dataclass(frozen=True, slots=True)
class Grant:
    """Tokens Intuit just handed out: sealed for the store, and the access token to use now."""

    tokens: TokenSet
    access_token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CompanyDetails:
    """What a connection shows of its QBO company."""

    company_name: str | None
    country: str | None
    home_currency: str | None
    multicurrency: bool
    tax_setup: str | None = None


@dataclass(frozen=True, slots=True)
class IncomeAccount:
    """A QBO account of type Income that invoices can be booked to."""

    id: str
    name: str
    sub_type: str | None


class QboSignIn(Protocol):
    """Intuit's OAuth: consent, code exchange, refresh, revoke; and who the company is."""

    @property
    def environment(self) -> str:
        """Which Intuit environment this deployment talks to (sandbox or production)."""
        ...

    def consent_url(self, state: str) -> str:
        """Return Intuit's consent page URL carrying this state."""
        ...

    async def exchange_code(self, code: str) -> Grant:
        """Trade an authorisation code (once) for tokens."""
        ...

    async def refresh_grant(self, refresh_token: str) -> Grant:
        """Trade a refresh token obtained elsewhere for tokens, proving it works."""
        ...

    async def revoke(self, tokens: TokenSet) -> None:
        """Revoke stored tokens at Intuit: the app leaves the company."""
        ...

    async def company_details(self, realm_id: str, grant: Grant) -> CompanyDetails:
        """Read the company's name, country and currency with a fresh grant."""
        ...


class QboCompanies(Protocol):
    """A connected company: read for imports, and its income accounts for the wizard."""

    def source(
        self,
        connection: QboConnection,
        record_ids: Mapping[Kind, Sequence[str]] | None = None,
        *,
        on_pause: PauseListener | None = None,
    ) -> RecordSource:
        """Return the company (or only these records of it) as a source for the engine;
        on_pause hears of each wait QuickBooks imposes."""
        ...

    async def income_accounts(self, connection: QboConnection) -> list[IncomeAccount]:
        """Return the company's active Income accounts."""
        ...
