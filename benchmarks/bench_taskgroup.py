"""TaskGroup: spawn and join 10,000 trivial children; peak memory under back-pressure.

Groups:

* ``spawn-join-10k-asyncio``: ``asyncio.TaskGroup`` (baseline, 3.11+), asynckit's
  ``TaskGroup``, anyio's task group, all on the default asyncio loop;
* ``spawn-join-10k-trio``: a trio nursery (baseline), asynckit's ``TaskGroup``
  (``start_soon``, like the nursery; and ``create_task``, whose children each get a
  cancel scope so that their handle can cancel them) and anyio's task group on trio;
* ``limit-100-asyncio``: 10,000 children through ``wait_create_task`` with
  ``limit=100`` against the hand-written ``asyncio.Semaphore`` + ``TaskGroup``.

``test_peak_memory_with_limit`` (run with ``--run-memory``, it takes minutes) adds
100,000 and then 1,000,000 children with ``limit=100`` through ``wait_create_task``
and reports the peak of traced memory for each.

Run: ``.venv/bin/pytest benchmarks/bench_taskgroup.py -p pytest_benchmark
--benchmark-only -o timeout=1800``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tracemalloc
from typing import Any

import anyio
import pytest
import trio

from asynckit import TaskGroup
from benchmarks._harness import bench_async, bench_sync

N = 10_000


async def child() -> None:
    pass


# ---------------------------------------------------------------- asyncio


async def asyncio_taskgroup() -> None:
    async with asyncio.TaskGroup() as tg:  # type: ignore[attr-defined,unused-ignore]
        for _ in range(N):
            tg.create_task(child())


async def asynckit_taskgroup() -> None:
    async with TaskGroup() as tg:
        for _ in range(N):
            tg.create_task(child())


async def asynckit_taskgroup_keep_results() -> None:
    async with TaskGroup(keep_results=True) as tg:
        for _ in range(N):
            tg.create_task(child())


async def asynckit_taskgroup_start_soon() -> None:
    async with TaskGroup() as tg:
        for _ in range(N):
            tg.start_soon(child)


async def anyio_taskgroup() -> None:
    async with anyio.create_task_group() as tg:
        for _ in range(N):
            tg.start_soon(child)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup needs 3.11")
def test_asyncio_taskgroup(benchmark: Any) -> None:
    bench_async(benchmark, asyncio_taskgroup, group="spawn-join-10k-asyncio", baseline=True)


def test_asynckit_taskgroup_asyncio(benchmark: Any) -> None:
    bench_async(benchmark, asynckit_taskgroup, group="spawn-join-10k-asyncio")


def test_asynckit_taskgroup_asyncio_keep_results(benchmark: Any) -> None:
    bench_async(benchmark, asynckit_taskgroup_keep_results, group="spawn-join-10k-asyncio")


def test_anyio_taskgroup_asyncio(benchmark: Any) -> None:
    bench_async(benchmark, anyio_taskgroup, group="spawn-join-10k-asyncio")


# ---------------------------------------------------------------- trio


async def trio_nursery() -> None:
    async with trio.open_nursery() as nursery:
        for _ in range(N):
            nursery.start_soon(child)


def test_trio_nursery(benchmark: Any) -> None:
    bench_sync(
        benchmark, lambda: trio.run(trio_nursery), group="spawn-join-10k-trio", baseline=True
    )


def test_asynckit_taskgroup_trio_start_soon(benchmark: Any) -> None:
    bench_sync(
        benchmark, lambda: trio.run(asynckit_taskgroup_start_soon), group="spawn-join-10k-trio"
    )


def test_asynckit_taskgroup_trio_create_task(benchmark: Any) -> None:
    # create_task() children can be cancelled one by one: each has a cancel scope.
    bench_sync(benchmark, lambda: trio.run(asynckit_taskgroup), group="spawn-join-10k-trio")


def test_anyio_taskgroup_trio(benchmark: Any) -> None:
    bench_sync(
        benchmark, lambda: anyio.run(anyio_taskgroup, backend="trio"), group="spawn-join-10k-trio"
    )


# ---------------------------------------------------------------- limit=100


async def yielding_child() -> None:
    # Suspends once, so that the producer fills every slot.
    await asyncio.sleep(0)


async def semaphore_taskgroup() -> None:
    semaphore = asyncio.Semaphore(100)

    async def limited() -> None:
        try:
            await yielding_child()
        finally:
            semaphore.release()

    async with asyncio.TaskGroup() as tg:  # type: ignore[attr-defined,unused-ignore]
        for _ in range(N):
            await semaphore.acquire()
            tg.create_task(limited())


async def asynckit_limited(n: int = N) -> None:
    async with TaskGroup(limit=100) as tg:
        for _ in range(n):
            await tg.wait_create_task(yielding_child())


async def sleeping_child() -> None:
    await asyncio.sleep(0.0005)


async def asynckit_limited_sleepers(n: int) -> None:
    # Children outlive the producer's turn, so all 100 slots stay busy.
    async with TaskGroup(limit=100) as tg:
        for _ in range(n):
            await tg.wait_create_task(sleeping_child())


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup needs 3.11")
def test_semaphore_taskgroup(benchmark: Any) -> None:
    bench_async(benchmark, semaphore_taskgroup, group="limit-100-asyncio", baseline=True)


def test_asynckit_wait_create_task(benchmark: Any) -> None:
    bench_async(benchmark, asynckit_limited, group="limit-100-asyncio")


# ---------------------------------------------------------------- memory


def peak_memory(n: int) -> int:
    """Peak traced memory (bytes) while a producer adds ``n`` children, limit=100."""
    tracemalloc.start()
    try:
        asyncio.run(asynckit_limited_sleepers(n))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.skipif(
    not os.environ.get("ASYNCKIT_BENCH_MEMORY"),
    reason="takes minutes: set ASYNCKIT_BENCH_MEMORY=1 to run",
)
def test_peak_memory_with_limit() -> None:
    small = peak_memory(100_000)
    large = peak_memory(1_000_000)
    print(f"\npeak traced memory, limit=100: 100,000 children {small / 1024:.1f} KiB; ")
    print(f"1,000,000 children {large / 1024:.1f} KiB; ratio {large / small:.3f}")
    assert large <= small * 1.10


if __name__ == "__main__":
    for n in (100_000, 1_000_000):
        print(f"{n:>9,} children, limit=100: peak {peak_memory(n) / 1024:.1f} KiB")
