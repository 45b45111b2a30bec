"""A simulator's state: the company, the Intuit app's tokens, faults, limits, addresses."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from qbo_simulator.config import SimulatorConfig
from qbo_simulator.data import Company
from qbo_simulator.envelopes import EncodedRows
from qbo_simulator.faults import Fault, FaultBook
from qbo_simulator.throttle import Throttle
from qbo_simulator.tokens import TokenBook
from qbo_simulator.webhooks import (
    Delivery,
    Format,
    WebhookEvent,
    batches,
    classic_body,
    cloudevents_body,
    deliver,
    encode,
    stamped,
)


@dataclass
class LoggedRequest:
    """One API request as the simulator saw it."""

    method: str
    path: str
    query_string: str
    statement: str | None
    status: int = 0


class SimulatorState:
    """What a simulator knows and can be told: its company, tokens, faults, limits and addresses
    (the routes read it; serving it is the Simulator's part)."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.company = Company(config.realm_id, config.customers, config.items, config.seed)
        self.tokens = TokenBook(config)
        self.faults = FaultBook()
        for fault in config.faults:
            self.faults.inject(fault)
        self.throttle = Throttle(config.max_in_flight, config.per_minute)
        self.requests: list[LoggedRequest] = []
        self.encoded_rows = EncodedRows()
        self.oauth_requests: list[str] = []
        self.base_url = ""
        self._rng = random.Random(config.seed)
        self._source = f"intuit.sim{config.seed:04d}ACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU="

    # Addresses --------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/v3"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/connect/oauth2"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/tokens/bearer"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/v2/oauth2/tokens/revoke"

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/.well-known/openid_sandbox_configuration/"

    @property
    def userinfo_url(self) -> str:
        return f"{self.base_url}/v1/openid_connect/userinfo"

    @property
    def issuer(self) -> str:
        """The issuer of the simulator's ID tokens, as its discovery document names it."""
        return f"{self.base_url}/op/v1"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def realm_id(self) -> str:
        return self.config.realm_id

    @property
    def client_id(self) -> str:
        return self.config.client_id

    @property
    def client_secret(self) -> str:
        return self.config.client_secret

    @property
    def webhook_verifier_token(self) -> str:
        return self.config.webhook_verifier_token

    # Control ---------------------------------------------------------------------------------

    def issue_tokens(self, realm_id: str | None = None) -> dict[str, Any]:
        """Return a token response as if the user consented and the code was exchanged."""
        return self.tokens.issue(realm_id or self.realm_id)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far invalid (the API answers 401 code 3200)."""
        self.tokens.expire_access_tokens()

    def inject(self, fault: Fault | str) -> None:
        """Arm a fault, or several written in the fault grammar."""
        self.faults.inject(fault)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self.faults.clear()

    async def send_webhook(
        self,
        url: str,
        events: Sequence[WebhookEvent],
        format: Format = "classic",
        *,
        chaos: bool = False,
        retry_delays: Sequence[float] | None = None,
    ) -> list[Delivery]:
        """POST signed notifications for events to url; chaos duplicates and reorders them."""
        # Stamped once: a redelivery carries the same event, time and CloudEvents id as the first.
        events = [stamped(e, self.realm_id) for e in events]
        delays = self.config.webhook_retry_delays if retry_delays is None else retry_delays
        results = []
        async with aiohttp.ClientSession() as session:
            for group in batches(events, chaos, self._rng):
                payload: Any = (
                    classic_body(group)
                    if format == "classic"
                    else cloudevents_body(group, self._source)
                )
                results.append(
                    await deliver(
                        session,
                        url,
                        encode(payload),
                        self.webhook_verifier_token,
                        timeout_s=self.config.webhook_timeout,
                        retry_delays=delays,
                        schema="0.1" if format == "classic" else "1.0",
                    )
                )
        return results
