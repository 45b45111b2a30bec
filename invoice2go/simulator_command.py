"""`invoice2go qbo-simulator`: the local QuickBooks stand-in on its own, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio

from qbo_simulator import Simulator, SimulatorConfig, describe, parse_faults

from importer.domain.errors import InvalidValue, UserError
from importer.domain.messages import N_


async def serve_simulator(args: argparse.Namespace) -> int:
    """Start the simulator, print how to reach it, and serve until interrupted."""
    try:
        faults = parse_faults(args.faults) if args.faults else ()
    except ValueError as error:
        raise InvalidValue(N_("--faults: {problem}"), problem=str(error)) from None
    if args.customers < 0 or args.items < 0 or args.latency_ms < 0:
        raise InvalidValue(N_("--customers, --items and --latency-ms cannot be negative"))
    config = SimulatorConfig(
        customers=args.customers, items=args.items, latency_ms=args.latency_ms, faults=faults
    )
    try:
        async with Simulator.start(config, host=args.host, port=args.port) as sim:
            print("\n".join(describe(sim)), flush=True)
            await asyncio.Event().wait()
    except OSError as error:
        raise UserError(
            N_("cannot listen on {host}:{port}: {problem}"),
            host=args.host,
            port=str(args.port),
            problem=error.strerror or str(error),
        ) from None
    return 0
