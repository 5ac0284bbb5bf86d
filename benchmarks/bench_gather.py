"""Bounded gather and amap against raw asyncio, anyio, trio and aiometer.

Every case runs N trivial coroutines of two kinds, ``sleep0`` (one ``await
asyncio.sleep(0)``, i.e. one trip through the event loop) and ``immediate``
(returns at once), with limit=100; creating the coroutines is inside the timed
region. Two references from raw asyncio are written here:

* the *worker pool*: 100 workers pull from one iterator and await each coroutine
  in place; the floor of any design;
* *bounded spawn*: take a slot, then ``create_task``; the floor of any design that
  makes one task per item.

N is 10,000 by default; set ``ASYNCKIT_BENCH_N=10000,100000`` for more sizes.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import TYPE_CHECKING, Any

import aiometer
import anyio
import pytest
import trio

import asynckit
from benchmarks._harness import bench_async, bench_sync

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

LIMIT = 100
SIZES = [int(n) for n in os.environ.get("ASYNCKIT_BENCH_N", "10000").split(",")]


async def sleep0(i: int) -> int:
    await asyncio.sleep(0)
    return i


async def immediate(i: int) -> int:
    return i


async def trio_sleep0(i: int) -> int:
    await trio.sleep(0)
    return i


KINDS: dict[str, Callable[[int], Coroutine[Any, Any, int]]] = {
    "sleep0": sleep0,
    "immediate": immediate,
}

params = pytest.mark.parametrize(
    ("kind", "n"), [(kind, n) for n in SIZES for kind in KINDS], ids=lambda v: str(v)
)


# ---------------------------------------------------------------- raw asyncio references


async def worker_pool(fn: Callable[[int], Awaitable[int]], n: int) -> list[int]:
    results = [0] * n
    items = iter(range(n))

    async def worker() -> None:
        for i in items:
            results[i] = await fn(i)

    await asyncio.gather(*(worker() for _ in range(LIMIT)))
    return results


async def bounded_spawn(coros: list[Coroutine[Any, Any, int]]) -> list[int]:
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[int]] = []
    in_flight = 0
    waiter: asyncio.Future[None] | None = None

    def release(_: object) -> None:
        nonlocal in_flight, waiter
        in_flight -= 1
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    for coro in coros:
        while in_flight >= LIMIT:
            waiter = loop.create_future()
            await waiter
        task = loop.create_task(coro)
        in_flight += 1
        task.add_done_callback(release)
        tasks.append(task)
    while in_flight:
        waiter = loop.create_future()
        await waiter
    return [task.result() for task in tasks]


async def gather_semaphore(coros: list[Coroutine[Any, Any, int]]) -> list[int]:
    semaphore = asyncio.Semaphore(LIMIT)

    async def guarded(coro: Coroutine[Any, Any, int]) -> int:
        async with semaphore:
            return await coro

    return await asyncio.gather(*(guarded(c) for c in coros))


async def anyio_limiter(fn: Callable[[int], Awaitable[int]], n: int) -> list[int]:
    limiter = anyio.CapacityLimiter(LIMIT)
    results = [0] * n

    async def run(i: int) -> None:
        async with limiter:
            results[i] = await fn(i)

    async with anyio.create_task_group() as tg:
        for i in range(n):
            tg.start_soon(run, i)
    return results


# ---------------------------------------------------------------- gather(limit=100)


@params
def test_gather_limit_bounded_spawn(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]
    bench_async(
        benchmark,
        lambda: bounded_spawn([fn(i) for i in range(n)]),
        group=f"gather limit=100 {kind} N={n}",
        baseline=True,
    )


@params
def test_gather_limit_asynckit(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]

    async def run() -> list[int]:
        return await asynckit.gather(*[fn(i) for i in range(n)], limit=LIMIT)

    bench_async(benchmark, run, group=f"gather limit=100 {kind} N={n}")


@params
def test_gather_limit_worker_pool(benchmark: Any, kind: str, n: int) -> None:
    bench_async(
        benchmark, lambda: worker_pool(KINDS[kind], n), group=f"gather limit=100 {kind} N={n}"
    )


@params
def test_gather_limit_gather_semaphore(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]
    bench_async(
        benchmark,
        lambda: gather_semaphore([fn(i) for i in range(n)]),
        group=f"gather limit=100 {kind} N={n}",
    )


@params
def test_gather_limit_aiometer(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]

    async def run() -> list[int]:
        jobs = [functools.partial(fn, i) for i in range(n)]
        return await aiometer.run_all(jobs, max_at_once=LIMIT)

    bench_async(benchmark, run, group=f"gather limit=100 {kind} N={n}", rounds=5)


@params
def test_gather_limit_anyio_limiter(benchmark: Any, kind: str, n: int) -> None:
    bench_async(
        benchmark,
        lambda: anyio_limiter(KINDS[kind], n),
        group=f"gather limit=100 {kind} N={n}",
        rounds=5,
    )


# ---------------------------------------------------------------- gather without a limit


@params
def test_gather_nolimit_asyncio(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]

    async def run() -> list[int]:
        return await asyncio.gather(*[fn(i) for i in range(n)])

    bench_async(benchmark, run, group=f"gather no limit {kind} N={n}", baseline=True)


@params
def test_gather_nolimit_asynckit(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]

    async def run() -> list[int]:
        return await asynckit.gather(*[fn(i) for i in range(n)])

    bench_async(benchmark, run, group=f"gather no limit {kind} N={n}")


# ---------------------------------------------------------------- amap(limit=100)


@params
def test_amap_worker_pool(benchmark: Any, kind: str, n: int) -> None:
    bench_async(
        benchmark,
        lambda: worker_pool(KINDS[kind], n),
        group=f"amap limit=100 {kind} N={n}",
        baseline=True,
    )


@pytest.mark.parametrize("ordered", [True, False], ids=["ordered", "unordered"])
@params
def test_amap_asynckit(benchmark: Any, kind: str, n: int, ordered: bool) -> None:
    fn = KINDS[kind]

    async def run() -> list[int]:
        return [r async for r in asynckit.amap(fn, range(n), limit=LIMIT, ordered=ordered)]

    bench_async(benchmark, run, group=f"amap limit=100 {kind} N={n}")


@params
def test_amap_aiometer(benchmark: Any, kind: str, n: int) -> None:
    fn = KINDS[kind]

    async def run() -> list[int]:
        async with aiometer.amap(fn, range(n), max_at_once=LIMIT) as results:
            return [r async for r in results]

    bench_async(benchmark, run, group=f"amap limit=100 {kind} N={n}", rounds=5)


# ---------------------------------------------------------------- amap on trio


@pytest.mark.parametrize("n", SIZES)
def test_amap_trio_worker_pool(benchmark: Any, n: int) -> None:
    async def pool() -> list[int]:
        results = [0] * n
        items = iter(range(n))

        async def worker() -> None:
            for i in items:
                results[i] = await trio_sleep0(i)

        async with trio.open_nursery() as nursery:
            for _ in range(LIMIT):
                nursery.start_soon(worker)
        return results

    bench_sync(benchmark, lambda: trio.run(pool), group=f"amap on trio sleep0 N={n}", baseline=True)


@pytest.mark.parametrize("n", SIZES)
def test_amap_trio_asynckit(benchmark: Any, n: int) -> None:
    async def run() -> list[int]:
        return [r async for r in asynckit.amap(trio_sleep0, range(n), limit=LIMIT)]

    bench_sync(benchmark, lambda: trio.run(run), group=f"amap on trio sleep0 N={n}")
