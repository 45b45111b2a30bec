"""Secrets from the configuration never show in a repr or str (logs, tracebacks, debuggers)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from cryptography.fernet import Fernet

from invoice2go.bootstrap import Services
from invoice2go.settings import Settings
from storage.sqlite import SqliteStore

SECRETS = {
    "qbo_client_secret": "qbo-client-secret-4f1c0e",
    "slack_signing_secret": "slack-signing-secret-9a7e",
    "slack_bot_token": "xoxb-1111-2222-bot-secret",
    "slack_client_secret": "slack-client-secret-7731",
    "slack_app_token": "xapp-1-A111-app-secret",
    "qbo_webhook_verifier_token": "webhook-verifier-secret-31",
    "qbo_refresh_token": "AB11refresh-secret-0042",
}
DATABASE_PASSWORD = "db-password-5e5e"
DATABASE_URL = f"mongodb://invoice2go:{DATABASE_PASSWORD}@db.example:27017/invoice2go"


async def test_settings_and_services_show_no_secret(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    settings = Settings(
        database_url=DATABASE_URL,
        qbo_client_id="client-id-not-secret",
        token_encryption_key=key,
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
        **SECRETS,  # type: ignore[arg-type]  # each a str field of Settings
    )
    store = SqliteStore(tmp_path / "secrets.sqlite3")
    async with aiohttp.ClientSession() as session:
        services = Services(settings, store, session)
        shown = " ".join(
            [
                repr(settings),
                str(settings),
                repr(services),
                str(services),
                repr(services.connections),
            ]
        )
    await store.close()

    secrets = [*SECRETS.values(), key, DATABASE_PASSWORD]
    assert [secret for secret in secrets if secret in shown] == []
    assert "client-id-not-secret" in shown  # what is not secret still helps a reader
    assert settings.database_url == DATABASE_URL  # and the settings still work
    assert settings.uses_mongodb
