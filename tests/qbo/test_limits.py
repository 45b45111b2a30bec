"""The per-company limiter: never more in flight or per minute than configured."""

from __future__ import annotations

import asyncio

from qbo.limits import RealmLimiter, RealmLimits


async def test_no_more_requests_in_flight_than_allowed() -> None:
    limiter = RealmLimiter(max_in_flight=3, per_minute=1000)
    running = peak = 0

    async def request() -> None:
        nonlocal running, peak
        async with limiter.slot():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0)
            running -= 1

    await asyncio.gather(*(request() for _ in range(20)))
    assert peak == 3


async def test_the_per_minute_budget_holds_the_next_request_back() -> None:
    limiter = RealmLimiter(max_in_flight=10, per_minute=3)
    admitted: list[int] = []

    async def request(n: int) -> None:
        async with limiter.slot():
            admitted.append(n)

    tasks = [asyncio.ensure_future(request(n)) for n in range(4)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert admitted == [0, 1, 2]
    assert not tasks[3].done()
    tasks[3].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def test_clients_of_one_company_share_its_limiter() -> None:
    limits = RealmLimits(max_in_flight=4, per_minute=100)
    assert limits.for_realm("1") is limits.for_realm("1")
    assert limits.for_realm("1") is not limits.for_realm("2")
    assert limits.for_realm("2").max_in_flight == 4


async def test_a_requests_minute_is_counted_from_its_answer() -> None:
    # QBO counts a request when it arrives, some time before its answer comes back. Counted
    # from the sending, the next minute's first request could reach QBO less than a minute
    # after the one it replaces, and be refused with a minute's wait.
    window = 0.2
    limiter = RealmLimiter(max_in_flight=10, per_minute=1, window_seconds=window)
    loop = asyncio.get_running_loop()
    async with limiter.slot():
        await asyncio.sleep(0.1)  # the answer takes a while
    answered = loop.time()
    async with limiter.slot():
        admitted = loop.time()
    assert admitted >= answered + window


async def test_a_budget_all_in_flight_waits_for_an_answer() -> None:
    limiter = RealmLimiter(max_in_flight=10, per_minute=2, window_seconds=0.05)
    answer = asyncio.Event()
    admitted: list[int] = []

    async def request(n: int) -> None:
        async with limiter.slot():
            admitted.append(n)
            if n < 2:
                await answer.wait()

    tasks = [asyncio.ensure_future(request(n)) for n in range(3)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert admitted == [0, 1]  # the third waits: two unanswered requests spend the budget
    answer.set()
    await asyncio.gather(*tasks)
    assert admitted == [0, 1, 2]
