"""Debug tooling: what a detector scope and the watchdog cost.

* ``debug-await-100k``: 100,000 trivial coroutines created and awaited one after the
  other (the worst case: nothing else happens per coroutine), with no scope, after a
  scope has come and gone (nothing installed: must be within noise), and inside an
  active scope at the default stack depth and at depth 8.
* ``debug-tasks-20k``: 20,000 trivial coroutines run as tasks through ``gather``,
  the same contenders.
* ``debug-busy-loop``: a loop kept busy with 100,000 ``sleep(0)`` round-trips, without
  the watchdog, with it at the default threshold (a probe every 100 ms) and at 10 ms.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from asynckit.debug import Watchdog, detect_unawaited
from benchmarks._harness import bench_async

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

AWAITS = 100_000
TASKS = 20_000
BUSY = 100_000


async def trivial() -> int:
    return 1


async def await_many() -> None:
    for _ in range(AWAITS):
        await trivial()


async def gather_many() -> None:
    await asyncio.gather(*[trivial() for _ in range(TASKS)])


async def busy() -> None:
    for _ in range(BUSY):
        await asyncio.sleep(0)


@pytest.fixture(params=["no-scope", "after-a-scope", "in-scope", "in-scope-depth-8"])
def detector(request: pytest.FixtureRequest) -> Iterator[str]:
    mode: str = request.param
    if mode == "after-a-scope":
        with detect_unawaited():
            pass
    if mode.startswith("in-scope"):
        depth = 8 if mode.endswith("8") else 2
        with detect_unawaited(stack_depth=depth, collect_garbage=False):
            yield mode
    else:
        yield mode


def test_await_100k(benchmark: Any, detector: str) -> None:
    bench_async(benchmark, await_many, group="debug-await-100k", baseline=detector == "no-scope")


def test_tasks_20k(benchmark: Any, detector: str) -> None:
    bench_async(benchmark, gather_many, group="debug-tasks-20k", baseline=detector == "no-scope")


def _watched(threshold: float) -> Callable[[], asyncio.AbstractEventLoop]:
    def factory() -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        Watchdog(loop, threshold=threshold).start()  # stops by itself when the loop closes
        return loop

    return factory


@pytest.mark.parametrize(
    "threshold", [None, 0.1, 0.01], ids=["no-watchdog", "watchdog-100ms", "watchdog-10ms"]
)
def test_busy_loop(benchmark: Any, threshold: float | None) -> None:
    factory = asyncio.new_event_loop if threshold is None else _watched(threshold)
    bench_async(
        benchmark, busy, group="debug-busy-loop", baseline=threshold is None, loop_factory=factory
    )
