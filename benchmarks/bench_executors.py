"""Executor bridges: per-call overhead against asyncio, anyio and the executor itself.

Each round makes ``CALLS`` calls of a trivial function, either one after another
(``sequential``) or ``IN_FLIGHT`` at a time (``concurrent``); the ratio of medians is
the ratio of per-call overheads since the function itself costs nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from typing import Any

import anyio
import anyio.to_thread
import pytest

import asynckit
from benchmarks._harness import bench_async

CALLS = 1000
IN_FLIGHT = 100


def trivial(x: int) -> int:
    return x


async def sequential(call: Any) -> None:
    for i in range(CALLS):
        await call(trivial, i)


async def concurrent_(call: Any) -> None:
    for _ in range(CALLS // IN_FLIGHT):
        await asyncio.gather(*(call(trivial, i) for i in range(IN_FLIGHT)))


def anyio_to_thread(fn: Any, *args: Any) -> Any:
    return anyio.to_thread.run_sync(fn, *args)


TO_THREAD = [
    pytest.param(asyncio.to_thread, True, id="asyncio.to_thread"),
    pytest.param(asynckit.to_thread, False, id="asynckit.to_thread"),
    pytest.param(anyio_to_thread, False, id="anyio.to_thread.run_sync"),
]


@pytest.mark.parametrize(("call", "baseline"), TO_THREAD)
def test_to_thread_sequential(benchmark: Any, call: Any, baseline: bool) -> None:
    bench_async(
        benchmark, lambda: sequential(call), group="to_thread, sequential", baseline=baseline
    )


@pytest.mark.parametrize(("call", "baseline"), TO_THREAD)
def test_to_thread_concurrent(benchmark: Any, call: Any, baseline: bool) -> None:
    bench_async(
        benchmark,
        lambda: concurrent_(call),
        group=f"to_thread, {IN_FLIGHT} in flight",
        baseline=baseline,
    )


def _executor_calls(executor: concurrent.futures.Executor) -> list[Any]:
    async def raw_submit(fn: Any, *args: Any) -> Any:
        return await asyncio.wrap_future(executor.submit(fn, *args))

    async def loop_run_in_executor(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    # One coroutine per call for each contender: the two baselines are coroutines that
    # submit, and ours is the run_in_executor coroutine itself.
    ours = functools.partial(asynckit.run_in_executor, executor)
    return [raw_submit, loop_run_in_executor, ours]


@pytest.mark.parametrize(
    "which",
    [0, 1, 2],
    ids=["submit+wrap_future", "loop.run_in_executor", "asynckit.run_in_executor"],
)
@pytest.mark.parametrize("mode", ["sequential", "concurrent"])
def test_run_in_executor(benchmark: Any, which: int, mode: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
        call = _executor_calls(executor)[which]
        body = sequential if mode == "sequential" else concurrent_
        bench_async(
            benchmark,
            lambda: body(call),
            group=f"run_in_executor(ThreadPoolExecutor), {mode}",
            baseline=which == 0,
        )


# ---------------------------------------------------------------------------------------
# `python benchmarks/bench_executors.py [ROUNDS]`: the same comparisons, interleaved.
#
# pytest-benchmark times one contender after another, so on a shared machine a change
# of load between two contenders shows up as a difference between them. Here every
# round runs all the contenders of a group in a random order, and the medians of wall
# and CPU time (process-wide, worker threads included) are compared.


async def _interleaved(rounds: int) -> None:
    import random
    import statistics
    import time

    executor = concurrent.futures.ThreadPoolExecutor(max_workers=8)
    raw_submit, loop_run_in_executor, ours = _executor_calls(executor)
    groups: dict[str, dict[str, Any]] = {
        "to_thread": {
            "asyncio.to_thread": asyncio.to_thread,
            "asynckit.to_thread": asynckit.to_thread,
            "anyio.to_thread.run_sync": anyio_to_thread,
        },
        "run_in_executor(ThreadPoolExecutor)": {
            "submit+wrap_future": raw_submit,
            "loop.run_in_executor": loop_run_in_executor,
            "asynckit.run_in_executor": ours,
        },
    }
    for group, contenders in groups.items():
        for mode, body in (("sequential", sequential), (f"{IN_FLIGHT} in flight", concurrent_)):
            wall: dict[str, list[float]] = {name: [] for name in contenders}
            cpu: dict[str, list[float]] = {name: [] for name in contenders}
            for call in contenders.values():  # warm-up
                await body(call)
            for _ in range(rounds):
                order = list(contenders.items())
                random.shuffle(order)
                for name, call in order:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    await body(call)
                    wall[name].append(time.perf_counter() - started)
                    cpu[name].append(time.process_time() - cpu_started)
            base = next(iter(contenders))
            print(f"{group}, {mode}")
            for name in contenders:
                w, c = statistics.median(wall[name]), statistics.median(cpu[name])
                print(
                    f"  {name:26} wall {w / CALLS * 1e6:6.1f} us/call "
                    f"{w / statistics.median(wall[base]):5.2f}x   "
                    f"cpu {c / CALLS * 1e6:6.1f} us/call {c / statistics.median(cpu[base]):5.2f}x"
                )
    executor.shutdown()


if __name__ == "__main__":
    import sys

    asyncio.run(_interleaved(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
