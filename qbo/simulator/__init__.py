"""A local QuickBooks Online + Intuit OAuth simulator for tests, the demo and the CLI."""

from qbo.simulator.app import Simulator, launch, serve_forever
from qbo.simulator.config import SimulatorConfig
from qbo.simulator.describe import describe
from qbo.simulator.faults import Fault, FaultSpecError, parse_faults
from qbo.simulator.webhooks import WebhookEvent, sign

__all__ = [
    "Fault",
    "FaultSpecError",
    "Simulator",
    "SimulatorConfig",
    "WebhookEvent",
    "describe",
    "launch",
    "parse_faults",
    "serve_forever",
    "sign",
]
