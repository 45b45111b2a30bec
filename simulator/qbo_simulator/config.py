"""Settings of one simulated QuickBooks Online company and its Intuit app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_REALM_ID = "9341455130166501"
DEFAULT_CLIENT_ID = "ABsImU1At0rCl1eNt1dQb0L0cAlDeVk3yS1mUlAt0r0000000000"
DEFAULT_CLIENT_SECRET = "s1mUlAt0rSeCrEtF0rL0cAlTeStS0000000000"
DEFAULT_VERIFIER_TOKEN = "s1mUlAt0r-webhook-verifier-token"


@dataclass(frozen=True)
class SimulatorConfig:
    """How big the company is and how the simulated Intuit behaves.

    `rotate_refresh_after` is the number of refreshes a refresh token value serves before a
    refresh returns a new value (1 = every refresh rotates; None = never by count);
    `rotate_refresh_seconds` rotates by age instead. After a rotation the old value keeps
    working for `refresh_grace` seconds (0 = strict, the design target in the reference).
    A batch request holds at most `batch_max_items` payloads, and at most `batch_per_minute`
    batch requests are admitted per rolling minute (each also counts once toward `per_minute`).
    """

    customers: int = 29
    items: int = 18
    latency_ms: float = 0
    faults: tuple[Any, ...] = ()
    rotate_refresh_after: int | None = None
    rotate_refresh_seconds: float | None = None
    refresh_grace: float = 0
    max_in_flight: int = 10
    per_minute: int = 500
    throttle_retry_after: int | None = None
    # Intuit's batch page says 10 payloads, its limits page 30, and 30 works in practice.
    batch_max_items: int = 30
    batch_per_minute: int = 40
    realm_id: str = DEFAULT_REALM_ID
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    webhook_verifier_token: str = DEFAULT_VERIFIER_TOKEN
    seed: int = 1
    deny_consent: bool = False
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 8726400
    auth_code_ttl: float = 300
    webhook_timeout: float = 3.0
    webhook_retry_delays: tuple[float, ...] = field(default=(10.0, 20.0, 30.0))
