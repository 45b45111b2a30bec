"""QBO's limits are per company: imports of one company in different processes take turns.

A process reads a company only while it holds the company's lease in the store (see
`CompanyLeases`). Imports in the same process share the lease, as they share the process's
request limiter (`qbo.limits.RealmLimits`): the first one takes it, the last one lets it go.
One gate per limiter, so the two always cover the same imports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from importer.domain.errors import StoreError
from importer.ports.companies import CompanyLeases
from importer.services.lease import owner_is_gone, worker_identity

log = logging.getLogger(__name__)

# Told once when an import must wait for another process to finish with the company.
WaitListener = Callable[[], Awaitable[None]]

# How often a waiting import asks again whether the company is free.
POLL_SECONDS = 1.0


@dataclass
class _Company:
    """One company as this process reads it."""

    # Imports of this process reading it now; the store's lease is held while there are any.
    readers: int = 0
    # Held while the lease is taken or let go, so that a first reader waits for it alone.
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Whether this process is waiting for another to let the company go, and who is told.
    waiting: bool = False
    listeners: list[WaitListener] = field(default_factory=list)


class CompanyGate:
    """Let this process's imports read a company only while the process holds its lease."""

    def __init__(
        self,
        leases: CompanyLeases,
        *,
        owner: str | None = None,
        lease_seconds: float = 60,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._leases = leases
        self.owner = owner or worker_identity()
        self._lease = timedelta(seconds=lease_seconds)
        self._poll = poll_seconds
        # An entry per company this process has read (a few bytes each), never dropped: a
        # reader waiting for a company's turn must find the same entry as the others.
        self._companies: dict[str, _Company] = {}

    @asynccontextmanager
    async def reading(
        self, realm_id: str, on_wait: WaitListener | None = None
    ) -> AsyncIterator[None]:
        """Hold the company for the block: at once when this process reads it already, else
        when no other process does (on_wait is told if that means waiting). Cancellable."""
        company = self._companies.setdefault(realm_id, _Company())
        if on_wait is not None:
            company.listeners.append(on_wait)
        try:
            if company.waiting and on_wait is not None:
                await on_wait()
            async with company.turn:
                if company.readers == 0:
                    await self._take(realm_id, company)
                company.readers += 1
        finally:
            if on_wait is not None:
                company.listeners.remove(on_wait)
        try:
            yield
        finally:
            await asyncio.shield(self._leave(realm_id, company))

    async def renew(self, realm_id: str) -> None:
        """Renew the lease of a company this process reads (an import's heartbeat calls it).
        Raise StoreError when the store cannot be reached."""
        company = self._companies.get(realm_id)
        # While the turn is taken, the lease is being taken (not held yet) or let go.
        if company is None or company.readers == 0 or company.turn.locked():
            return
        async with company.turn:
            if company.readers == 0:
                return
            holder = await self._leases.take_company_lease(realm_id, self.owner, self._lease)
        if holder is not None:
            # Not renewed for a whole lease (the store was out of reach): another process took
            # it. Both read until one finishes; QBO's refusals (429) slow them meanwhile.
            log.warning(
                "another process (%s) took over QuickBooks company %s while this one reads it",
                holder,
                realm_id,
            )

    async def _take(self, realm_id: str, company: _Company) -> None:
        try:
            while True:
                holder = await self._leases.take_company_lease(realm_id, self.owner, self._lease)
                if holder is not None and owner_is_gone(holder):
                    holder = await self._leases.take_company_lease(
                        realm_id, self.owner, self._lease, gone_owner=holder
                    )
                if holder is None:
                    return
                if not company.waiting:
                    company.waiting = True
                    log.info(
                        "waiting for another import of QuickBooks company %s to finish (%s)",
                        realm_id,
                        holder,
                    )
                    for listener in list(company.listeners):
                        await listener()
                await asyncio.sleep(self._poll)
        except BaseException:
            # Stopped while taking: the store may have given the lease all the same.
            await asyncio.shield(self._release(realm_id))
            raise
        finally:
            company.waiting = False

    async def _leave(self, realm_id: str, company: _Company) -> None:
        async with company.turn:
            company.readers -= 1
            if company.readers == 0:
                await self._release(realm_id)

    async def _release(self, realm_id: str) -> None:
        try:
            await self._leases.release_company_lease(realm_id, self.owner)
        except StoreError as error:
            # It runs out by itself within a lease.
            log.warning("could not let QuickBooks company %s go: %s", realm_id, error)
