"""Configuration: environment variables only (and a .env file in development), read once."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from importer.domain.errors import ConfigurationError
from importer.domain.model import PLANS
from importer.domain.plans import Plans

DEFAULT_DATABASE_URL = "sqlite:///.invoice2go/invoice2go.sqlite3"

QBO_HOSTS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
    "production": "https://quickbooks.api.intuit.com/v3",
}
QBO_AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"
QBO_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
QBO_REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke"


class SettingsError(ConfigurationError):
    """The configuration is missing or wrong; the message names the variable."""


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
    # The command line speaks the terminal's language (LANG=es_ES.UTF-8 → Spanish).
    lang: str | None = None

    @field_validator("default_plan")
    @classmethod
    def _known_plan(cls, value: str) -> str:
        if value not in PLANS:
            raise ValueError(f"must be one of {', '.join(PLANS)}")
        return value

    @field_validator("qbo_enabled_plans")
    @classmethod
    def _known_plans(cls, value: str) -> str:
        unknown = [p for p in _split(value) if p not in PLANS]
        if unknown:
            raise ValueError(f"unknown plan(s) {', '.join(unknown)}; use {', '.join(PLANS)}")
        return value

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
            raise SettingsError(f"missing configuration: set {', '.join(missing)}")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_settings() -> Settings:
    """Read and validate the settings, or raise SettingsError naming what is wrong."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None
