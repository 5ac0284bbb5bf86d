"""Helpers shared by the benchmarks.

Each benchmark is a pytest-benchmark test. Contenders that are compared with each other
share a ``group``; exactly one of them is the baseline (``baseline=True``). At the end of
the run ``benchmarks/conftest.py`` prints, per group, each contender's median and its
ratio to the baseline's median.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

ROUNDS = 15


def bench_async(
    benchmark: Any,
    fn: Callable[[], Awaitable[object]],
    *,
    group: str,
    baseline: bool = False,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    rounds: int = ROUNDS,
) -> None:
    """Benchmark one asyncio contender: ``fn()`` awaited once per round on one loop.

    Args:
        benchmark: The pytest-benchmark fixture.
        fn: Builds the awaitable to time; it is called inside the timed region.
        group: The comparison group shared with the other contenders.
        baseline: Whether this contender is the group's reference.
        loop_factory: Creates the event loop the rounds run on.
        rounds: How many timed rounds to run (after one warm-up round).
    """
    benchmark.group = group
    benchmark.extra_info["baseline"] = baseline
    loop = loop_factory()
    try:

        def target() -> None:
            loop.run_until_complete(fn())

        benchmark.pedantic(target, rounds=rounds, iterations=1, warmup_rounds=1)
    finally:
        loop.close()


def bench_sync(
    benchmark: Any,
    fn: Callable[[], object],
    *,
    group: str,
    baseline: bool = False,
    rounds: int = ROUNDS,
) -> None:
    """Benchmark one contender that runs its own event loop (trio, anyio.run, threads).

    Args:
        benchmark: The pytest-benchmark fixture.
        fn: Runs one round.
        group: The comparison group shared with the other contenders.
        baseline: Whether this contender is the group's reference.
        rounds: How many timed rounds to run (after one warm-up round).
    """
    benchmark.group = group
    benchmark.extra_info["baseline"] = baseline
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
