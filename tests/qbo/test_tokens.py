"""Tokens at rest: encrypted, rotatable keys, a made-up key only outside production."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from importer.domain.errors import ConfigurationError, TokenKeyError
from invoice2go.keys import KEY_FILE_NAME, token_cipher
from invoice2go.settings import Settings, SettingsError
from qbo.tokens import TokenCipher, Tokens


def test_a_cipher_round_trips_tokens_without_showing_them() -> None:
    cipher = TokenCipher([TokenCipher.generate_key()])
    tokens = Tokens(refresh_token="RT-secret-1", access_token="AT-secret-1")
    sealed = cipher.seal(tokens)
    assert "RT-secret-1" not in sealed.refresh_token
    assert cipher.open(sealed) == tokens
    assert "secret" not in repr(tokens)
    assert "secret" not in repr(cipher)


def test_key_rotation_reads_old_ciphertext_and_writes_with_the_new_key() -> None:
    old, new = TokenCipher.generate_key(), TokenCipher.generate_key()
    before = TokenCipher.from_text(old).encrypt("RT-1")
    rotated = TokenCipher.from_text(f"{new}, {old}")
    assert rotated.decrypt(before) == "RT-1"
    after = rotated.rotate(before)
    assert TokenCipher.from_text(new).decrypt(after) == "RT-1"
    with pytest.raises(TokenKeyError, match="cannot be decrypted"):
        TokenCipher.from_text(old).decrypt(rotated.encrypt("RT-2"))


def test_a_malformed_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TOKEN_ENCRYPTION_KEY"):
        TokenCipher.from_text("not-a-key")


def test_production_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/db.sqlite3",
        qbo_environment="production",
        token_encryption_key=None,
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
    )
    with pytest.raises(SettingsError, match="TOKEN_ENCRYPTION_KEY is required"):
        token_cipher(settings)


def test_development_makes_one_private_key_file_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/data/db.sqlite3",
        token_encryption_key=None,
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option, untyped
    )
    with caplog.at_level(logging.WARNING):
        first = token_cipher(settings)
        second = token_cipher(settings)
    key_file = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert second.decrypt(first.encrypt("RT-1")) == "RT-1"
    warnings = [r for r in caplog.records if "TOKEN_ENCRYPTION_KEY is not set" in r.getMessage()]
    assert len(warnings) == 1
    assert key_file.read_text().strip() not in caplog.text
