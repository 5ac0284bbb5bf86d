"""Entering and leaving a timeout scope, and wait_for's fast path.

Each round enters and leaves the scope ``N`` times around a trivial await (a
coroutine that returns at once, so the scope's own cost dominates):

* ``timeout-asyncio``: asynckit.timeout vs asyncio.timeout (3.11+; the baseline),
  anyio.fail_after and async_timeout.timeout (the baseline on 3.10);
* ``timeout-trio``: asynckit.timeout vs trio.fail_after (baseline) and
  anyio.fail_after, inside one ``trio.run`` per round (whose start-up cost,
  the same for all three, is included);
* ``wait_for-asyncio``: asynckit.wait_for vs asyncio.wait_for (baseline) when the
  result arrives before the deadline.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import anyio
import pytest

import asynckit
from benchmarks._harness import bench_async, bench_sync

N = 2000
ROUNDS = 31
HAS_ASYNCIO_TIMEOUT = sys.version_info >= (3, 11)

try:
    import async_timeout
except ImportError:  # pragma: no cover - the bench extra installs it
    async_timeout = None  # type: ignore[assignment]

try:
    import trio
except ImportError:  # pragma: no cover - the trio extra installs it
    trio = None  # type: ignore[assignment]


async def trivial() -> None:
    return None


async def rounds_asynckit() -> None:
    timeout = asynckit.timeout
    for _ in range(N):
        async with timeout(10):
            await trivial()


async def rounds_asyncio() -> None:
    timeout = asyncio.timeout  # type: ignore[attr-defined,unused-ignore]
    for _ in range(N):
        async with timeout(10):
            await trivial()


async def rounds_async_timeout() -> None:
    assert async_timeout is not None
    timeout = async_timeout.timeout
    for _ in range(N):
        async with timeout(10):
            await trivial()


async def rounds_anyio() -> None:
    fail_after = anyio.fail_after
    for _ in range(N):
        with fail_after(10):
            await trivial()


async def rounds_trio() -> None:
    assert trio is not None
    fail_after = trio.fail_after
    for _ in range(N):
        with fail_after(10):
            await trivial()


async def rounds_wait_for(wait_for: Any) -> None:
    for _ in range(N):
        await wait_for(trivial(), 10)


GROUP = "timeout-asyncio"
ON_310 = not HAS_ASYNCIO_TIMEOUT


def test_timeout_asynckit(benchmark: Any) -> None:
    bench_async(benchmark, rounds_asynckit, group=GROUP, rounds=ROUNDS)


@pytest.mark.skipif(not HAS_ASYNCIO_TIMEOUT, reason="asyncio.timeout is 3.11+")
def test_timeout_asyncio(benchmark: Any) -> None:
    bench_async(benchmark, rounds_asyncio, group=GROUP, baseline=True, rounds=ROUNDS)


@pytest.mark.skipif(async_timeout is None, reason="async-timeout is not installed")
def test_timeout_async_timeout(benchmark: Any) -> None:
    bench_async(benchmark, rounds_async_timeout, group=GROUP, baseline=ON_310, rounds=ROUNDS)


def test_timeout_anyio_on_asyncio(benchmark: Any) -> None:
    bench_async(benchmark, rounds_anyio, group=GROUP, rounds=ROUNDS)


@pytest.mark.skipif(trio is None, reason="trio is not installed")
def test_timeout_trio_asynckit(benchmark: Any) -> None:
    assert trio is not None
    bench_sync(benchmark, lambda: trio.run(rounds_asynckit), group="timeout-trio", rounds=ROUNDS)


@pytest.mark.skipif(trio is None, reason="trio is not installed")
def test_timeout_trio_fail_after(benchmark: Any) -> None:
    assert trio is not None
    bench_sync(
        benchmark, lambda: trio.run(rounds_trio), group="timeout-trio", baseline=True, rounds=ROUNDS
    )


@pytest.mark.skipif(trio is None, reason="trio is not installed")
def test_timeout_trio_anyio(benchmark: Any) -> None:
    assert trio is not None
    bench_sync(benchmark, lambda: trio.run(rounds_anyio), group="timeout-trio", rounds=ROUNDS)


def test_wait_for_asynckit(benchmark: Any) -> None:
    bench_async(
        benchmark,
        lambda: rounds_wait_for(asynckit.wait_for),
        group="wait_for-asyncio",
        rounds=ROUNDS,
    )


def test_wait_for_asyncio(benchmark: Any) -> None:
    bench_async(
        benchmark,
        lambda: rounds_wait_for(asyncio.wait_for),
        group="wait_for-asyncio",
        baseline=True,
        rounds=ROUNDS,
    )
