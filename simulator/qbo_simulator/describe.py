"""Human lines about a running simulator, for the CLI to print."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qbo_simulator.state import SimulatorState

FAULT_HELP = [
    "Faults (--faults, comma-separated): KIND[@WHEN][~FLAG...]",
    "  KIND: throttle | 500 | 502 | 503 | 504 | timeout=SECONDS | hang | expire | invalid_grant",
    "        | badbody=text|truncated|null|list (a 200 whose body is not QBO's)",
    "  WHEN: N (the Nth API request) | start=S (query with STARTPOSITION S) | * (every request)",
    "  FLAG: always (keep firing; default once) | retry-after=SECONDS (throttle only)",
    "  e.g. throttle@3, 503@start=201, timeout=10@4, hang@start=2001, expire@50, invalid_grant",
]


def describe(sim: SimulatorState) -> list[str]:
    """Return lines telling a person how to use a running simulator."""
    config = sim.config
    faults = ", ".join(str(f) for f in sim.faults.active()) or "none"
    counts = {name: len(lst.rows) for name, lst in sim.company.lists.items()}
    return [
        f"QBO simulator listening on {sim.base_url}",
        f"  API base:        {sim.api_base}   (QBO_API_BASE)",
        f"  Authorize URL:   {sim.auth_url}   (QBO_AUTH_URL)",
        f"  Token URL:       {sim.token_url}   (QBO_TOKEN_URL)",
        f"  Revoke URL:      {sim.revoke_url}   (QBO_REVOKE_URL)",
        f"  Discovery:       {sim.discovery_url}",
        f"  ID token keys:   {sim.jwks_url}   (RS256, with the openid scope)",
        f"  Realm id:        {sim.realm_id}",
        f"  Client id:       {sim.client_id}",
        f"  Client secret:   {sim.client_secret}",
        f"  Webhook verifier token: {sim.webhook_verifier_token}",
        f"  Company: {_counted(counts['Customer'], 'customer')}, "
        f"{_counted(counts['Item'], 'item')}, {_counted(counts['Account'], 'account')}",
        f"  Limits: {config.max_in_flight} in flight, {config.per_minute}/min per realm; "
        f"latency {config.latency_ms:g} ms",
        f"  Faults armed: {faults}",
        f"  Control API: {sim.base_url}/_simulator/ (faults, requests, tokens, company, webhooks)",
        *FAULT_HELP,
    ]


def _counted(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
