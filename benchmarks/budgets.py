"""Every speed budget, measured with its baseline interleaved round by round.

pytest-benchmark (the ``bench_*.py`` files) times one contender after another, so on a
shared machine a change of load between two contenders shows up as a difference between
them. Here each round runs the baseline and asynckit back to back, in alternating
order, after a full garbage collection, and the ratio is taken per round; the table
gives the median of those ratios next to each budget.

Run: ``.venv/bin/python -m benchmarks.budgets [--rounds N] [--only TEXT] [--json PATH]``
(the ``bench`` extra installs what it needs).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import functools
import gc
import json
import statistics
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiometer
import trio

import asynckit
from asynckit.debug import Watchdog, detect_unawaited
from benchmarks import bench_debug, bench_executors, bench_gather, bench_taskgroup, bench_timeouts
from benchmarks.bench_loopthread import CALLS as LOOPTHREAD_CALLS
from benchmarks.bench_loopthread import THREADS, _contender, _threads_round

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

N = 10_000
LIMIT = bench_gather.LIMIT


@dataclass
class Budget:
    """One budget: ``contender`` may take at most ``limit`` times ``baseline``'s time."""

    name: str
    baseline_name: str
    limit: float
    baseline: Callable[[], None]
    contender: Callable[[], None]


def on_asyncio(
    make: Callable[[], Awaitable[object]],
    loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
) -> Callable[[], None]:
    """One round: ``make()`` awaited on an event loop kept for the whole run."""
    loop = loop_factory()
    _LOOPS.append(loop)

    def round_() -> None:
        loop.run_until_complete(make())

    return round_


def on_trio(fn: Callable[[], Awaitable[object]]) -> Callable[[], None]:
    """One round: ``trio.run(fn)``."""

    def round_() -> None:
        trio.run(fn)

    return round_


_LOOPS: list[asyncio.AbstractEventLoop] = []


def _in_scope(fn: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    async def scoped() -> None:
        with detect_unawaited(collect_garbage=False):
            await fn()

    return scoped


def _watched_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    Watchdog(loop, threshold=0.1).start()  # stops by itself when the loop closes
    return loop


def budgets(stack: contextlib.ExitStack) -> Iterator[Budget]:
    """Every budget of the issues, as pairs of rounds to time."""
    g = bench_gather
    for kind, fn in g.KINDS.items():

        def spawn(fn: Any = fn) -> Awaitable[object]:
            return g.bounded_spawn([fn(i) for i in range(N)])

        async def ours_limit(fn: Any = fn) -> object:
            return await asynckit.gather(*[fn(i) for i in range(N)], limit=LIMIT)

        async def plain(fn: Any = fn) -> object:
            return await asyncio.gather(*[fn(i) for i in range(N)])

        async def ours_plain(fn: Any = fn) -> object:
            return await asynckit.gather(*[fn(i) for i in range(N)])

        yield Budget(
            f"gather(limit=100), {kind}",
            "bounded spawn",
            1.2,
            on_asyncio(spawn),
            on_asyncio(ours_limit),
        )
        yield Budget(
            f"gather(), {kind}", "asyncio.gather", 1.1, on_asyncio(plain), on_asyncio(ours_plain)
        )
        for ordered in (True, False):

            async def amap(fn: Any = fn, ordered: bool = ordered) -> None:
                async for _ in asynckit.amap(fn, range(N), limit=LIMIT, ordered=ordered):
                    pass

            yield Budget(
                f"amap(limit=100, ordered={ordered}), {kind}",
                "worker pool",
                2.0,
                on_asyncio(functools.partial(g.worker_pool, fn, N)),
                on_asyncio(amap),
            )

    async def aiometer_amap() -> None:
        async with aiometer.amap(g.sleep0, range(N), max_at_once=LIMIT) as results:
            async for _ in results:
                pass

    async def ours_amap() -> None:
        async for _ in asynckit.amap(g.sleep0, range(N), limit=LIMIT):
            pass

    yield Budget(
        "amap(limit=100) vs aiometer.amap, sleep0",
        "aiometer.amap",
        0.1,
        on_asyncio(aiometer_amap),
        on_asyncio(ours_amap),
    )

    async def trio_pool() -> None:
        items = iter(range(N))

        async def worker() -> None:
            for i in items:
                await g.trio_sleep0(i)

        async with trio.open_nursery() as nursery:
            for _ in range(LIMIT):
                nursery.start_soon(worker)

    async def trio_amap() -> None:
        async for _ in asynckit.amap(g.trio_sleep0, range(N), limit=LIMIT):
            pass

    yield Budget(
        "amap(limit=100) on trio, sleep(0)",
        "trio worker pool",
        1.5,
        on_trio(trio_pool),
        on_trio(trio_amap),
    )

    t = bench_timeouts
    if sys.version_info >= (3, 11):
        yield Budget(
            "async with timeout(10)",
            "asyncio.timeout",
            1.2,
            on_asyncio(t.rounds_asyncio),
            on_asyncio(t.rounds_asynckit),
        )
    else:
        yield Budget(
            "async with timeout(10)",
            "async_timeout.timeout",
            1.2,
            on_asyncio(t.rounds_async_timeout),
            on_asyncio(t.rounds_asynckit),
        )
    yield Budget(
        "timeout(10) on trio",
        "trio.fail_after",
        1.2,
        on_trio(t.rounds_trio),
        on_trio(t.rounds_asynckit),
    )
    yield Budget(
        f"wait_for, result first (Python {sys.version_info[0]}.{sys.version_info[1]})",
        "asyncio.wait_for",
        1.2,
        on_asyncio(functools.partial(t.rounds_wait_for, asyncio.wait_for)),
        on_asyncio(functools.partial(t.rounds_wait_for, asynckit.wait_for)),
    )

    tg = bench_taskgroup
    if sys.version_info >= (3, 11):
        yield Budget(
            "TaskGroup, spawn and join 10,000",
            "asyncio.TaskGroup",
            1.1,
            on_asyncio(tg.asyncio_taskgroup),
            on_asyncio(tg.asynckit_taskgroup),
        )
    yield Budget(
        "TaskGroup.start_soon on trio, 10,000",
        "trio nursery",
        1.2,
        on_trio(tg.trio_nursery),
        on_trio(tg.asynckit_taskgroup_start_soon),
    )

    e = bench_executors
    executor = stack.enter_context(concurrent.futures.ThreadPoolExecutor(max_workers=8))
    raw_submit, _, ours_run = e._executor_calls(executor)
    for mode, body, limit in (
        ("sequential", e.sequential, 1.15),
        (f"{e.IN_FLIGHT} in flight", e.concurrent_, 1.1),
    ):
        yield Budget(
            f"to_thread, {mode}",
            "asyncio.to_thread",
            limit,
            on_asyncio(functools.partial(body, asyncio.to_thread)),
            on_asyncio(functools.partial(body, asynckit.to_thread)),
        )
        yield Budget(
            f"run_in_executor, {mode}",
            "submit + wrap_future",
            1.1,
            on_asyncio(functools.partial(body, raw_submit)),
            on_asyncio(functools.partial(body, ours_run)),
        )

    for loop_type in ("asyncio", "uvloop"):
        calls = {
            name: _enter(stack, _contender(name, loop_type))
            for name in ("run_coroutine_threadsafe", "LoopThread.run", "anyio portal")
        }
        threaded = {name: _threads_round(call, THREADS) for name, call in calls.items()}
        yield Budget(
            f"LoopThread.run, {THREADS} threads x {LOOPTHREAD_CALLS} [{loop_type}]",
            "run_coroutine_threadsafe",
            1.0,
            threaded["run_coroutine_threadsafe"],
            threaded["LoopThread.run"],
        )
        yield Budget(
            f"LoopThread.run vs anyio portal, {THREADS} threads [{loop_type}]",
            "anyio blocking portal",
            1 / 1.5,
            threaded["anyio portal"],
            threaded["LoopThread.run"],
        )

    d = bench_debug
    yield Budget(
        "100,000 awaits inside detect_unawaited",
        "no scope",
        1.5,
        on_asyncio(d.await_many),
        on_asyncio(_in_scope(d.await_many)),
    )

    async def after_a_scope() -> None:
        with detect_unawaited(collect_garbage=False):
            pass
        await d.await_many()

    yield Budget(
        "100,000 awaits after a scope ended",
        "no scope",
        1.02,
        on_asyncio(d.await_many),
        on_asyncio(after_a_scope),
    )
    yield Budget(
        "watchdog (100 ms) on a busy loop",
        "no watchdog",
        1.02,
        on_asyncio(d.busy),
        on_asyncio(d.busy, _watched_loop),
    )


def _enter(
    stack: contextlib.ExitStack, generator: Iterator[Callable[[], object]]
) -> Callable[[], object]:
    """Enter a generator-based contender (a value, then cleanup when resumed)."""
    value = next(generator)
    stack.callback(lambda: next(generator, None))
    return value


def _timed(round_: Callable[[], None]) -> float:
    gc.collect()
    started = time.perf_counter()
    round_()
    return time.perf_counter() - started


def measure(budget: Budget, rounds: int) -> dict[str, Any]:
    """Time ``rounds`` interleaved rounds of one budget's baseline and contender."""
    budget.baseline()  # warm-up
    budget.contender()
    base: list[float] = []
    ours: list[float] = []
    for index in range(rounds):
        if index % 2:
            ours.append(_timed(budget.contender))
            base.append(_timed(budget.baseline))
        else:
            base.append(_timed(budget.baseline))
            ours.append(_timed(budget.contender))
    ratio = statistics.median(o / b for o, b in zip(ours, base, strict=True))
    return {
        "budget": budget.name,
        "baseline": budget.baseline_name,
        "limit": budget.limit,
        "baseline_median_s": statistics.median(base),
        "asynckit_median_s": statistics.median(ours),
        "ratio": ratio,
        "met": ratio <= budget.limit,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure every budget (or those whose name contains ``--only``) and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    results = []
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"CPython {version}, {args.rounds} interleaved rounds, medians")
    print(
        f"{'budget':58} {'baseline':26} {'base ms':>8} {'ours ms':>8} {'ratio':>6} {'max':>5}  met"
    )
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: [loop.close() for loop in _LOOPS])
        for budget in budgets(stack):
            if args.only not in budget.name:
                continue
            row = measure(budget, args.rounds)
            results.append(row)
            print(
                f"{row['budget']:58} {row['baseline']:26} {row['baseline_median_s'] * 1e3:8.2f} "
                f"{row['asynckit_median_s'] * 1e3:8.2f} {row['ratio']:6.2f} {row['limit']:5.2f}  "
                f"{'yes' if row['met'] else 'NO'}",
                flush=True,
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(
                {"python": version, "rounds": args.rounds, "results": results}, file, indent=2
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
