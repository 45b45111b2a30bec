"""QBO tokens in plain text for the moment they are used, encrypted (MultiFernet) at rest."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from importer.domain.connections import TokenSet
from importer.domain.errors import ConfigurationError, TokenKeyError
from importer.domain.messages import N_, Text


@dataclass(frozen=True, slots=True)
class Tokens:
    """Plain-text tokens: never logged, never in a repr."""

    refresh_token: str = field(repr=False)
    access_token: str | None = field(default=None, repr=False)
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None

    def access_valid_at(self, now: datetime, margin: timedelta) -> bool:
        """Return whether the access token is still good for a while after now."""
        expires = self.access_token_expires_at
        return bool(self.access_token) and expires is not None and now + margin < expires


class TokenCipher:
    """Encrypt with the first key, decrypt with any of them (key rotation).

    source names where the keys come from, for the messages (TOKEN_ENCRYPTION_KEY, a key file).
    """

    def __init__(
        self, keys: Sequence[str | bytes], *, source: str | Text = "TOKEN_ENCRYPTION_KEY"
    ) -> None:
        self._source = source
        if not keys:
            raise ConfigurationError(N_("{source} holds no key"), source=source)
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
            self._primary = base64.urlsafe_b64decode(keys[0])
        except ValueError as error:
            raise ConfigurationError(
                N_(
                    "{source} must be comma-separated Fernet keys "
                    "(32 url-safe base64-encoded bytes each)"
                ),
                source=source,
            ) from error

    def __repr__(self) -> str:
        return "TokenCipher(<keys hidden>)"

    @classmethod
    def from_text(cls, text: str, *, source: str | Text = "TOKEN_ENCRYPTION_KEY") -> TokenCipher:
        """Build from a comma-separated key list: the first encrypts, all decrypt."""
        return cls([part.strip() for part in text.split(",") if part.strip()], source=source)

    @staticmethod
    def generate_key() -> str:
        """Return a new random key in TOKEN_ENCRYPTION_KEY's format."""
        return Fernet.generate_key().decode()

    def derive_key(self, purpose: str) -> bytes:
        """Return a key for another purpose (signing OAuth states), derived from the first key."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(self._primary)

    def encrypt(self, value: str) -> str:
        """Return the ciphertext of a secret, as text."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        """Return the secret behind a ciphertext, or raise TokenKeyError."""
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(
                N_(
                    "stored QuickBooks tokens cannot be decrypted with {source}; restore the old "
                    "key (keep it after the new one) or reconnect QuickBooks"
                ),
                source=self._source,
            ) from None

    def rotate(self, value: str) -> str:
        """Re-encrypt a ciphertext with the first key."""
        return self._fernet.rotate(value.encode()).decode()

    def seal(self, tokens: Tokens) -> TokenSet:
        """Return the tokens as stored: secrets encrypted, expiry times as they are."""
        return TokenSet(
            refresh_token=self.encrypt(tokens.refresh_token),
            access_token=None if tokens.access_token is None else self.encrypt(tokens.access_token),
            access_token_expires_at=tokens.access_token_expires_at,
            refresh_token_expires_at=tokens.refresh_token_expires_at,
        )

    def open(self, stored: TokenSet) -> Tokens:
        """Return the plain tokens of a stored set."""
        access = stored.access_token
        return Tokens(
            refresh_token=self.decrypt(stored.refresh_token),
            access_token=None if access is None else self.decrypt(access),
            access_token_expires_at=stored.access_token_expires_at,
            refresh_token_expires_at=stored.refresh_token_expires_at,
        )
