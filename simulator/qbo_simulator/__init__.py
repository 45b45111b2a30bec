"""A local QuickBooks Online + Intuit OAuth simulator for tests, the demo and the CLI."""

from qbo_simulator.app import Simulator, launch, serve_forever
from qbo_simulator.config import SimulatorConfig
from qbo_simulator.describe import describe
from qbo_simulator.faults import Fault, FaultSpecError, parse_faults
from qbo_simulator.webhooks import WebhookEvent, sign

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
