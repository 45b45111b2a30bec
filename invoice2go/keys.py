"""The token key at start-up: TOKEN_ENCRYPTION_KEY, or (outside production) a key file that is
made once beside the SQLite database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from importer.domain.messages import N_, Text
from invoice2go.settings import Settings, SettingsError
from qbo.tokens import TokenCipher
from storage.sqlite import holds_saved_tokens, sqlite_path

log = logging.getLogger(__name__)

KEY_FILE_NAME = "token-encryption.key"


def token_cipher(settings: Settings) -> TokenCipher:
    """Build the cipher at start-up; outside production make up a key file if none is set."""
    if settings.token_encryption_key:
        return TokenCipher.from_text(settings.token_encryption_key)
    if settings.is_production:
        raise SettingsError(
            N_(
                "TOKEN_ENCRYPTION_KEY is required in production (MongoDB or QBO_ENVIRONMENT="
                "production); generate one with: {command}"
            ),
            command="python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
        )
    database = sqlite_path(settings.database_url)
    path = database.parent / KEY_FILE_NAME
    if not path.exists() and holds_saved_tokens(database):
        # A new key could never read them: say which file went missing instead.
        raise SettingsError(
            N_(
                "the QuickBooks tokens saved in {database} were encrypted with the key file "
                "{path}, which is missing: put it back, or set TOKEN_ENCRYPTION_KEY to the key "
                "it held (if the key is lost, set TOKEN_ENCRYPTION_KEY to a new key and connect "
                "again)"
            ),
            database=str(database),
            path=str(path),
        )
    source = Text(N_("the key file {path}"), {"path": str(path)})
    return TokenCipher.from_text(_key_file(path), source=source)


def _key_file(path: Path) -> str:
    """Read the generated key, making it (owner-only) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = TokenCipher.generate_key()
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    try:
        # link() publishes the finished file atomically and refuses to replace one.
        os.link(draft, path)
    except FileExistsError:
        return path.read_text().strip()
    finally:
        draft.unlink()
    made = Text(
        N_(
            "TOKEN_ENCRYPTION_KEY is not set: generated a key in {path}; keep that file with the "
            "database, and set TOKEN_ENCRYPTION_KEY before going to production"
        ),
        {"path": str(path)},
    )
    # The command line says it in the reader's language (logs.py); a service logs it in English.
    log.warning("%s", made, extra={"text": made})
    return key
