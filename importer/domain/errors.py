"""The project's own errors: what adapters raise through the ports and entry points show.

Each carries a sentence a person can read, as a message (an English msgid marked with N_, with
{placeholders}) and the values that fill it: str(error) is the English sentence, and an entry
point shows `error.text` in the reader's language (i18n.explain). Entry points print it as one
line, never a trace.

    raise UserError(N_("No client named {name!r}."), name=name)
"""

from __future__ import annotations

from typing import Any

from importer.domain.jobs import Job
from importer.domain.messages import N_, OneOf, Text, english
from importer.domain.names import has_tab_or_line_break, is_valid_name
from importer.domain.runs import ImportRun


class ReadableError(Exception):
    """An error whose message a person reads, in any language the catalogues have."""

    def __init__(self, message: str, /, **values: Any) -> None:
        super().__init__(english(message, values))
        self.message = message
        self.values = values

    @property
    def text(self) -> Text:
        """The message and its values, for i18n to show in the reader's language."""
        return Text(self.message, self.values)


class UserError(ReadableError):
    """A mistake the user can fix; the message says how."""


class InvalidValue(UserError):
    """A value a person typed breaks a rule (an empty name, an unknown currency): a bad
    argument, refused before anything is done; the message says the rule."""


class ConfigurationError(ReadableError):
    """The configuration is missing or wrong; the message names the variable."""


class NoSuchAccount(UserError):
    """No account has that name."""

    def __init__(self, name: str) -> None:
        # Offer to create it only under a name accounts create would take (R5's name rules).
        if is_valid_name(name) and not has_tab_or_line_break(name):
            super().__init__(
                N_(
                    "No account named {name!r}. Create it with: invoice2go accounts create {name!r}"
                ),
                name=name,
            )
        else:
            super().__init__(N_("No account named {name!r}."), name=name)
        self.name = name


class PlanNotEnabled(UserError):
    """The account's plan does not include the QuickBooks integration (R6)."""

    def __init__(self, plan: str, enabled: tuple[str, ...], *, imported: bool = False) -> None:
        if not enabled:
            message = N_(
                "The {plan} plan does not include the QuickBooks integration, and no plan "
                "includes it on this service."
            )
        elif imported:
            message = N_(
                "The {plan} plan does not include the QuickBooks integration. Upgrade to "
                "{plans} to import; what was imported stays."
            )
        else:
            message = N_(
                "The {plan} plan does not include the QuickBooks integration. Upgrade to "
                "{plans} to import."
            )
        super().__init__(message, plan=plan, plans=OneOf(enabled))
        self.plan = plan
        self.enabled = enabled


class StoreError(ReadableError):
    """A storage failure worth one clear line to the user."""


class AccountExists(StoreError):
    """An account with that name already exists."""


class NameTaken(StoreError):
    """A client or item with that name (after normalisation) already exists in the account."""


class RunInProgress(StoreError):
    """Another import of the same account and kind is running (R8)."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(
            N_("An import of {kind} is already running ({run})."),
            kind=run.kind.noun,
            run=run.id,
        )
        self.run = run


class JobInProgress(StoreError):
    """An active job of the account already covers one of the asked kinds (R8)."""

    def __init__(self, job: Job) -> None:
        kinds = " and ".join(kind.value for kind in job.kinds)
        super().__init__(f"an import of {kinds} is already queued or running (job {job.id})")
        self.job = job


class LeaseLost(StoreError):
    """This worker no longer owns the run: another one took it over."""


class RunCancelled(UserError):
    """An operator cancelled the run while it ran: its import stopped, not to be tried again."""


class QboError(ReadableError):
    """A QuickBooks Online failure: a human sentence plus Intuit's support id (intuit_tid)."""

    def __init__(
        self,
        message: str,
        /,
        *,
        intuit_tid: str | None = None,
        status: int | None = None,
        **values: Any,
    ) -> None:
        super().__init__(message, **values)
        self.intuit_tid = intuit_tid
        self.status = status

    @property
    def text(self) -> Text:
        said = Text(self.message, self.values)
        if not self.intuit_tid:
            return said
        return Text(
            N_("{said} (intuit_tid {intuit_tid})"), {"said": said, "intuit_tid": self.intuit_tid}
        )

    def __str__(self) -> str:
        return str(self.text)


class ThrottledError(QboError):
    """QuickBooks refused the request because the company's request limit was reached."""


class AuthError(QboError):
    """QuickBooks refused the access token or the app's access to the company."""


class ValidationError(QboError):
    """QuickBooks rejected the request itself (bad query, stale object, duplicate name…)."""

    def __init__(
        self,
        message: str,
        /,
        *,
        code: str,
        intuit_tid: str | None = None,
        status: int | None = None,
        **values: Any,
    ) -> None:
        super().__init__(message, intuit_tid=intuit_tid, status=status, **values)
        self.code = code


class NotFoundError(QboError):
    """QuickBooks does not know the resource or the company."""


class ServerError(QboError):
    """QuickBooks failed on its side (5xx) or did not answer in time."""


class TokenError(QboError):
    """Intuit's token endpoint refused a request; error is the OAuth error code."""

    def __init__(
        self,
        message: str,
        /,
        *,
        error: str,
        intuit_tid: str | None = None,
        status: int | None = None,
        **values: Any,
    ) -> None:
        super().__init__(message, intuit_tid=intuit_tid, status=status, **values)
        self.error = error


class InvalidGrant(TokenError):
    """The refresh token or code is no longer valid: only a new consent can fix it."""


class ReconnectNeeded(QboError):
    """The QBO connection must be authorised again by an admin; realm_id is the company it was
    connected to, when known (a reconnect hint names it)."""

    def __init__(
        self,
        message: str,
        /,
        *,
        realm_id: str | None = None,
        intuit_tid: str | None = None,
        status: int | None = None,
        **values: Any,
    ) -> None:
        super().__init__(message, intuit_tid=intuit_tid, status=status, **values)
        self.realm_id = realm_id


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
