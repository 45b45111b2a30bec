"""Contract: the lease of a QuickBooks company, held by one process at a time."""

from __future__ import annotations

from datetime import timedelta

from importer.ports.store import Store

MINUTE = timedelta(minutes=1)
# A lease that runs out the moment it is given (by the store's clock: a real MongoDB's server).
NONE = timedelta(0)
REALM = "9341455130166501"


async def test_one_owner_at_a_time_holds_a_company(store: Store) -> None:
    assert await store.take_company_lease(REALM, "host:1:a", MINUTE) is None

    assert await store.take_company_lease(REALM, "host:2:b", MINUTE) == "host:1:a"
    # Taken again by its holder: renewed, not refused.
    assert await store.take_company_lease(REALM, "host:1:a", MINUTE) is None
    # Another company is another lease.
    assert await store.take_company_lease("4620816365031111", "host:2:b", MINUTE) is None


async def test_renewing_moves_the_expiry_from_now(store: Store) -> None:
    assert await store.take_company_lease(REALM, "host:1:a", NONE) is None

    assert await store.take_company_lease(REALM, "host:1:a", MINUTE) is None

    assert await store.take_company_lease(REALM, "host:2:b", MINUTE) == "host:1:a"


async def test_a_lease_that_ran_out_is_taken_by_another_owner(store: Store) -> None:
    # Its holder died (killed): it renews no more, and the lease runs out by the store's clock.
    assert await store.take_company_lease(REALM, "host:1:dead", NONE) is None

    assert await store.take_company_lease(REALM, "host:2:b", MINUTE) is None

    # The late holder cannot take it back while the new one's lease runs.
    assert await store.take_company_lease(REALM, "host:1:dead", MINUTE) == "host:2:b"


async def test_only_the_holder_releases_a_company(store: Store) -> None:
    assert await store.take_company_lease(REALM, "host:1:a", MINUTE) is None

    await store.release_company_lease(REALM, "host:2:b")  # not its own: nothing changes
    assert await store.take_company_lease(REALM, "host:3:c", MINUTE) == "host:1:a"

    await store.release_company_lease(REALM, "host:1:a")
    assert await store.take_company_lease(REALM, "host:3:c", MINUTE) is None
    await store.release_company_lease(REALM, "host:1:a")  # released already: nothing changes
    assert await store.take_company_lease(REALM, "host:2:b", MINUTE) == "host:3:c"


async def test_a_holder_known_gone_is_taken_over_at_once(store: Store) -> None:
    assert await store.take_company_lease(REALM, "host:1:a", MINUTE) is None

    # Only the holder named gone: a live lease of another owner is not taken.
    refused = await store.take_company_lease(REALM, "host:2:b", MINUTE, gone_owner="host:9:z")
    taken = await store.take_company_lease(REALM, "host:2:b", MINUTE, gone_owner="host:1:a")

    assert (refused, taken) == ("host:1:a", None)
    assert await store.take_company_lease(REALM, "host:1:a", MINUTE) == "host:2:b"
