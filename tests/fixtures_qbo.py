"""Reusable QBO simulator fixtures: import `qbo_simulator` into a conftest, or list this module
in the top-level conftest's `pytest_plugins`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from qbo.simulator import Simulator, SimulatorConfig


@pytest.fixture
async def qbo_simulator() -> AsyncIterator[Simulator]:
    """Serve the sandbox seed company (29 customers, 18 items) with no latency on 127.0.0.1."""
    async with Simulator.start(SimulatorConfig(), host="127.0.0.1", port=0) as sim:
        yield sim
