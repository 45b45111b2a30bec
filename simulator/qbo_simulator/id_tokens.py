"""OpenID Connect ID tokens of the simulated Intuit: one RSA key, its JWKS, RS256-signed JWTs."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

ID_TOKEN_TTL = 3600


def subject(realm_id: str) -> str:
    """Return the stable user id (`sub`) of the simulated person who connected a realm."""
    return f"sim-user-{realm_id}"


class SigningKey:
    """The simulator's own RSA key, made on first use so simulators that never sign stay cheap."""

    @cached_property
    def _key(self) -> RSAKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key = RSAKey.import_key(private, parameters={"use": "sig", "alg": "RS256"})
        key.ensure_kid()
        return key

    def jwks(self) -> dict[str, Any]:
        """Return the public key as the JSON Web Key Set served at the discovery `jwks_uri`."""
        return {"keys": [self._key.as_dict(private=False)]}

    def id_token(
        self, *, issuer: str, client_id: str, realm_id: str, auth_time: float, now: float
    ) -> str:
        """Sign an ID token with the claims Intuit puts in one (discovery `claims_supported`)."""
        # intuit-oauth reads the header and claims with standard, not URL-safe, base64: plain
        # ASCII JSON encodes the same either way unless a value holds '>', '?' or '~'.
        claims = {
            "sub": subject(realm_id),
            "aud": [client_id],  # a list: intuit-oauth compares aud[0] with its client id
            "realmid": realm_id,
            "auth_time": int(auth_time),
            "iss": issuer,
            "exp": int(now) + ID_TOKEN_TTL,
            "iat": int(now),
        }
        header = {"alg": "RS256", "kid": self._key.kid}
        return jwt.encode(header, claims, self._key, algorithms=["RS256"])
