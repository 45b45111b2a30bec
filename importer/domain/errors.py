"""The project's own errors: what adapters raise through the ports and entry points show.

Each carries a sentence a person can read; entry points print it as one line, never a trace.
"""

from __future__ import annotations

from importer.domain.jobs import Job
from importer.domain.runs import ImportRun


class UserError(Exception):
    """A mistake the user can fix; the message says how."""


class ConfigurationError(Exception):
    """The configuration is missing or wrong; the message names the variable."""


class NoSuchAccount(UserError):
    """No account has that name."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"No account named {name!r}. Create it with: invoice2go accounts create {name!r}"
        )
        self.name = name


class PlanNotEnabled(UserError):
    """The account's plan does not include the QuickBooks integration (R6)."""

    def __init__(self, plan: str, enabled: tuple[str, ...]) -> None:
        plans = " / ".join(enabled)
        super().__init__(
            f"The {plan} plan does not include the QuickBooks integration. Upgrade to {plans} "
            "to import; what was imported stays."
        )
        self.plan = plan
        self.enabled = enabled


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


class JobInProgress(StoreError):
    """An active job of the account already covers one of the asked kinds (R8)."""

    def __init__(self, job: Job) -> None:
        kinds = " and ".join(kind.value for kind in job.kinds)
        super().__init__(f"an import of {kinds} is already queued or running (job {job.id})")
        self.job = job


class LeaseLost(StoreError):
    """This worker no longer owns the run: another one took it over."""


class QboError(Exception):
    """A QuickBooks Online failure: a human sentence plus Intuit's support id (intuit_tid)."""

    def __init__(self, message: str, *, intuit_tid: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.intuit_tid = intuit_tid
        self.status = status

    def __str__(self) -> str:
        return (
            self.message
            if not self.intuit_tid
            else f"{self.message} (intuit_tid {self.intuit_tid})"
        )


class ThrottledError(QboError):
    """QuickBooks refused the request because the company's request limit was reached."""


class AuthError(QboError):
    """QuickBooks refused the access token or the app's access to the company."""


class ValidationError(QboError):
    """QuickBooks rejected the request itself (bad query, stale object, duplicate name…)."""

    def __init__(
        self, message: str, *, code: str, intuit_tid: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, intuit_tid=intuit_tid, status=status)
        self.code = code


class NotFoundError(QboError):
    """QuickBooks does not know the resource or the company."""


class ServerError(QboError):
    """QuickBooks failed on its side (5xx) or did not answer in time."""


class TokenError(QboError):
    """Intuit's token endpoint refused a request; error is the OAuth error code."""

    def __init__(
        self, message: str, *, error: str, intuit_tid: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, intuit_tid=intuit_tid, status=status)
        self.error = error


class InvalidGrant(TokenError):
    """The refresh token or code is no longer valid: only a new consent can fix it."""


class ReconnectNeeded(QboError):
    """The QBO connection must be authorised again by an admin."""


class NotConnected(QboError):
    """The account has no usable QBO connection."""


class OAuthStateError(QboError):
    """The OAuth callback's state is unknown, used, expired or tampered with."""


class SignInLinkInvalid(OAuthStateError):
    """The sign-in state was not made here (forged, or cut short)."""


class SignInLinkExpired(OAuthStateError):
    """The sign-in state is older than its lifetime."""


class SignInLinkUsed(OAuthStateError):
    """The sign-in state was already redeemed once."""


class TokenKeyError(QboError):
    """Stored tokens cannot be decrypted with the configured keys."""
