"""Which process reads a QuickBooks company: a lease in the store, so that imports of one company
in different processes take turns within QBO's limits (which are per company)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol


class CompanyLeases(Protocol):
    """At most one owner (a process) reads a QBO company at a time. A lease is a duration: the
    store dates it by its own clock (the database server's on MongoDB), and it runs out by
    itself when its owner stops renewing it (a killed process)."""

    async def take_company_lease(
        self, realm_id: str, owner: str, lease: timedelta, *, gone_owner: str | None = None
    ) -> str | None:
        """Hold the company for owner, for `lease` from now, if no one holds it, its lease ran
        out, owner holds it already (then it is renewed) or gone_owner holds it (a process known
        dead): one compare-and-set. Return None when owner holds it now, else who holds it."""
        ...

    async def release_company_lease(self, realm_id: str, owner: str) -> None:
        """Let the company go if owner holds it; change nothing otherwise."""
        ...
