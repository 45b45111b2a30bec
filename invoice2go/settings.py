"""Configuration: environment variables only (and a .env file in development), read once."""

from __future__ import annotations

import os
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from importer.domain.errors import ConfigurationError, InvalidValue
from importer.domain.messages import N_, OneOf, Text, Texts
from importer.domain.model import PLANS
from importer.domain.plans import Plans
from qbo.tokens import TokenCipher
from storage.factory import check_database_url

DEFAULT_DATABASE_URL = "sqlite:///.invoice2go/invoice2go.sqlite3"

QBO_HOSTS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
    "production": "https://quickbooks.api.intuit.com/v3",
}
QBO_AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"
QBO_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
QBO_REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HIGHEST_PORT = 65535
PORT_RULE = N_("must be a port number from {least} to {most}, not {value}")


def is_web_address(value: str) -> bool:
    """Whether a URL is an absolute http(s) address with a host, as every URL setting must be."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number or too big
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def checked_port(value: int, *, any_free: bool = False) -> int:
    """Return a TCP port to listen on, or refuse it: 1 to 65535 (0, any free one, if allowed)."""
    least = 0 if any_free else 1
    if not least <= value <= HIGHEST_PORT:
        raise InvalidValue(PORT_RULE, least=str(least), most=str(HIGHEST_PORT), value=str(value))
    return value


class SettingsError(ConfigurationError):
    """The configuration is missing or wrong; the message names the variable."""


class _Invalid(ValueError):
    """A setting's value breaks a rule; carries the message for every language."""

    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def _invalid(message: str, **values: Any) -> _Invalid:
    return _Invalid(Text(message, values))


class Settings(BaseSettings):
    """Every setting of product.md section 5, validated at start."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Secrets (and the database URL, which may carry a password) stay out of repr() and str().
    database_url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)

    slack_signing_secret: str | None = Field(default=None, repr=False)
    slack_bot_token: str | None = Field(default=None, repr=False)
    slack_client_id: str | None = None
    slack_client_secret: str | None = Field(default=None, repr=False)
    slack_app_token: str | None = Field(default=None, repr=False)
    slack_api_url: str | None = None

    qbo_client_id: str | None = None
    qbo_client_secret: str | None = Field(default=None, repr=False)
    qbo_redirect_uri: str | None = None
    qbo_environment: Literal["sandbox", "production"] = "sandbox"
    qbo_api_base: str | None = None
    qbo_auth_url: str | None = None
    qbo_token_url: str | None = None
    qbo_revoke_url: str | None = None
    qbo_webhook_verifier_token: str | None = Field(default=None, repr=False)
    # Only `invoice2go connect` reads it: a refresh token kept out of `ps` and shell history.
    qbo_refresh_token: str | None = Field(default=None, repr=False)

    token_encryption_key: str | None = Field(default=None, repr=False)

    qbo_enabled_plans: str = "professional,premium"
    default_plan: str = "premium"
    port: int = 3000
    log_level: str = "INFO"

    import_lease_seconds: int = Field(default=60, ge=5)

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        try:
            check_database_url(value)
        except ConfigurationError as error:
            raise _Invalid(error.text) from None
        return value

    @field_validator("token_encryption_key")
    @classmethod
    def _usable_keys(cls, value: str | None) -> str | None:
        if value:
            try:
                TokenCipher.from_text(value)
            except ConfigurationError as error:
                raise _Invalid(error.text) from None
        return value

    @field_validator("default_plan")
    @classmethod
    def _known_plan(cls, value: str) -> str:
        plan = value.strip().lower()
        if plan not in PLANS:
            raise _invalid(
                N_("must be one of {choices}, not {value!r}"), choices=OneOf(PLANS), value=value
            )
        return plan

    @field_validator("qbo_enabled_plans")
    @classmethod
    def _known_plans(cls, value: str) -> str:
        plans = [plan.lower() for plan in _split(value)]
        unknown = [plan for plan in _split(value) if plan.lower() not in PLANS]
        if unknown:
            raise _invalid(
                N_("unknown plan {value!r}; the plans are {choices} (commas between them)"),
                value=", ".join(unknown),
                choices=OneOf(PLANS),
            )
        return ",".join(plans)

    @field_validator(
        "slack_api_url",
        "qbo_redirect_uri",
        "qbo_api_base",
        "qbo_auth_url",
        "qbo_token_url",
        "qbo_revoke_url",
    )
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value and not is_web_address(value):
            raise _invalid(
                N_("must be a full http:// or https:// address, not {value!r}"), value=value
            )
        return value

    @field_validator("port")
    @classmethod
    def _usable_port(cls, value: int) -> int:
        try:
            return checked_port(value)
        except InvalidValue as error:
            raise _invalid(error.message, **error.values) from None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise _invalid(
                N_("must be one of {choices}, not {value!r}"),
                choices=OneOf(LOG_LEVELS),
                value=value,
            )
        return level

    @property
    def enabled_plans(self) -> frozenset[str]:
        return frozenset(_split(self.qbo_enabled_plans))

    @property
    def plans(self) -> Plans:
        """The plan rules (R6) these settings ask for."""
        return Plans(self.enabled_plans, self.default_plan)

    @property
    def uses_mongodb(self) -> bool:
        return self.database_url.startswith(("mongodb://", "mongodb+srv://"))

    @property
    def is_production(self) -> bool:
        """A deployment that must not make up secrets: MongoDB or Intuit's production hosts."""
        return self.uses_mongodb or self.qbo_environment == "production"

    @property
    def qbo_api_base_url(self) -> str:
        return (self.qbo_api_base or QBO_HOSTS[self.qbo_environment]).rstrip("/")

    @property
    def public_url(self) -> str:
        """Where people reach this service: the origin of QBO_REDIRECT_URI (its callback)."""
        if not self.qbo_redirect_uri:
            return ""
        parts = urlsplit(self.qbo_redirect_uri)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def qbo_auth_endpoint(self) -> str:
        return self.qbo_auth_url or QBO_AUTH_URL

    @property
    def qbo_token_endpoint(self) -> str:
        return self.qbo_token_url or QBO_TOKEN_URL

    @property
    def qbo_revoke_endpoint(self) -> str:
        return self.qbo_revoke_url or QBO_REVOKE_URL

    @property
    def uses_slack(self) -> bool:
        """Whether this deployment talks to Slack (a bot token, an OAuth app or Socket Mode)."""
        return bool(self.slack_bot_token or self.slack_client_id or self.slack_app_token)

    def check_slack(self) -> None:
        """Fail naming what a deployment that talks to Slack lacks: the signing secret (Socket
        Mode too: /slack/events is served), and a bot token or an OAuth app's id and secret."""
        if not self.uses_slack:
            return
        if self.slack_bot_token or self.slack_client_id or self.slack_client_secret:
            oauth = () if self.slack_bot_token else ("slack_client_id", "slack_client_secret")
            self.require("slack_signing_secret", *oauth)
            return
        self.require("slack_signing_secret")
        raise SettingsError(
            N_(
                "missing configuration: set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID "
                "and SLACK_CLIENT_SECRET (installs in many workspaces)"
            )
        )

    def secret_values(self) -> list[str]:
        """Return the configured secrets, which logs must never show."""
        values = [
            self.slack_signing_secret,
            self.slack_bot_token,
            self.slack_client_secret,
            self.slack_app_token,
            self.qbo_client_secret,
            self.qbo_webhook_verifier_token,
            urlsplit(self.database_url).password,
        ]
        keys = (self.token_encryption_key or "").split(",")
        return [value for value in [*values, *keys] if value]

    def require(self, *names: str) -> None:
        """Fail with one message naming every listed setting that is unset."""
        missing = [name.upper() for name in names if not getattr(self, name)]
        if missing:
            raise SettingsError(N_("missing configuration: set {names}"), names=", ".join(missing))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def language_from_environment() -> str | None:
    """Return the terminal's language as POSIX picks it: LC_ALL, then LC_MESSAGES, then LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return os.environ[name]
    return None


def load_settings() -> Settings:
    """Read and validate every setting; raise SettingsError naming each wrong one at once."""
    try:
        return Settings()
    except ValidationError as error:
        problems = Texts(_named(_variable(e), _problem(e)) for e in error.errors())
        raise SettingsError(N_("invalid configuration: {problems}"), problems=problems) from None


def _named(name: str, problem: Text) -> Text:
    """Return a problem led by its variable's name, unless its own sentence starts with it."""
    if str(problem).startswith(f"{name} "):
        return problem
    return Text(N_("{name}: {problem}"), {"name": name, "problem": problem})


def _variable(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]).upper()


def _problem(error: ErrorDetails) -> Text:
    """Return what pydantic found wrong as a message of the catalogues, where there is one."""
    context = error.get("ctx") or {}
    found = context.get("error")
    if isinstance(found, _Invalid):
        return found.text
    kind = error["type"]
    if kind == "literal_error":
        field = Settings.model_fields.get(str(error["loc"][0]))
        choices = OneOf(str(c) for c in get_args(field.annotation)) if field else OneOf()
        return Text(
            N_("must be one of {choices}, not {value!r}"),
            {"choices": choices, "value": error["input"]},
        )
    if kind == "int_parsing":
        return Text(N_("must be a whole number, not {value!r}"), {"value": error["input"]})
    if kind == "greater_than_equal":
        return Text(N_("must be {least} or more"), {"least": str(context.get("ge"))})
    return Text(error["msg"])
