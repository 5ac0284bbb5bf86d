"""LoopThread: sync threads calling into an event loop running in another thread.

Contenders, on each asyncio loop type, in one run:

* ``run_coroutine_threadsafe`` (baseline): ``asyncio.run_coroutine_threadsafe(coro,
  loop).result()`` against a loop running in a plain thread;
* ``LoopThread.run``: ``loop_thread.run(fn)`` on a `LoopThread` with the same loop type;
* ``anyio portal``: ``portal.call(fn)`` on anyio's blocking portal.

``threads8`` groups time 8 caller threads each making 2,000 calls of a trivial coroutine
(aggregate throughput); ``latency`` groups time 2,000 calls from a single thread.

pytest-benchmark runs every round of one contender before the next, so on a shared
machine a burst of load can land on one contender only. Running this file as a script
(``python -m benchmarks.bench_loopthread``) interleaves the contenders round by round
and prints medians and ratios, which is steadier there.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from anyio.from_thread import start_blocking_portal

from asynckit import LoopThread
from benchmarks._harness import bench_sync

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CALLS = 2_000
THREADS = 8
LOOP_TYPES = ["asyncio", "uvloop"]


async def trivial() -> int:
    return 1


def _factory(loop_type: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if loop_type == "uvloop":
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
        return factory
    return asyncio.new_event_loop


def _threads_round(one_call: Callable[[], object], threads: int) -> Callable[[], None]:
    def worker(barrier: threading.Barrier) -> None:
        barrier.wait()
        for _ in range(CALLS):
            one_call()

    def round_() -> None:
        barrier = threading.Barrier(threads)
        workers = [threading.Thread(target=worker, args=(barrier,)) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()

    return round_


def _raw_loop(loop_type: str) -> Iterator[asyncio.AbstractEventLoop]:
    loop = _factory(loop_type)()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def _contender(name: str, loop_type: str) -> Iterator[Callable[[], object]]:
    if name == "run_coroutine_threadsafe":
        for loop in _raw_loop(loop_type):

            def one_call(loop: asyncio.AbstractEventLoop = loop) -> object:
                return asyncio.run_coroutine_threadsafe(trivial(), loop).result()

            yield one_call
    elif name == "LoopThread.run":
        with LoopThread(use_uvloop=loop_type == "uvloop") as loop_thread:
            run = loop_thread.run
            yield lambda: run(trivial)
    else:
        options: dict[str, Any] = {"use_uvloop": loop_type == "uvloop"}
        with start_blocking_portal("asyncio", options) as portal:
            call = portal.call
            yield lambda: call(trivial)


CONTENDERS = ["run_coroutine_threadsafe", "LoopThread.run", "anyio portal"]


@pytest.mark.parametrize("loop_type", LOOP_TYPES)
@pytest.mark.parametrize("contender", CONTENDERS)
def test_threads8(benchmark: Any, contender: str, loop_type: str) -> None:
    for one_call in _contender(contender, loop_type):
        bench_sync(
            benchmark,
            _threads_round(one_call, THREADS),
            group=f"8 threads x {CALLS} run() calls [{loop_type}]",
            baseline=contender == "run_coroutine_threadsafe",
            rounds=7,
        )


@pytest.mark.parametrize("loop_type", LOOP_TYPES)
@pytest.mark.parametrize("contender", CONTENDERS)
def test_latency(benchmark: Any, contender: str, loop_type: str) -> None:
    for one_call in _contender(contender, loop_type):

        def round_(one_call: Callable[[], object] = one_call) -> None:
            for _ in range(CALLS):
                one_call()

        bench_sync(
            benchmark,
            round_,
            group=f"1 thread x {CALLS} run() calls [{loop_type}]",
            baseline=contender == "run_coroutine_threadsafe",
            rounds=7,
        )


def _interleaved(loop_type: str, rounds: int = 12) -> None:
    contexts = {name: _contender(name, loop_type) for name in CONTENDERS}
    calls = {name: next(context) for name, context in contexts.items()}
    threaded = {name: _threads_round(call, THREADS) for name, call in calls.items()}
    times: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in CONTENDERS}
    for _ in range(rounds):
        for name in CONTENDERS:
            started = time.perf_counter()
            threaded[name]()
            times[name][0].append(time.perf_counter() - started)
            started = time.perf_counter()
            for _ in range(CALLS):
                calls[name]()
            times[name][1].append(time.perf_counter() - started)
    base = [statistics.median(t) for t in times["run_coroutine_threadsafe"]]
    for name in CONTENDERS:
        medians = [statistics.median(t) for t in times[name]]
        print(
            f"{loop_type:8} {name:26} {THREADS}x{CALLS}: {medians[0] * 1e3:7.1f} ms "
            f"{medians[0] / base[0]:5.2f}x   1x{CALLS}: {medians[1] * 1e3:6.1f} ms "
            f"{medians[1] / base[1]:5.2f}x"
        )
    for context in contexts.values():
        for _ in context:  # run each contender's cleanup
            pass  # pragma: no cover


if __name__ == "__main__":
    for loop_type in LOOP_TYPES:
        _interleaved(loop_type)
