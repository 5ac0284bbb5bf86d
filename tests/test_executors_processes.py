"""to_process and run_in_executor on process pools: every backend."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pickle
import threading
from typing import TYPE_CHECKING

import anyio
import pytest

import asynckit
from tests._executors_checks import (
    check_running_work_is_awaited,
    run_leak_check,
    wait_for_path,
)
from tests._executors_helpers import (
    VAR,
    add,
    call_back_from_process,
    check_cancelled_in_process,
    crash,
    fail,
    get_var,
    write_pid_then_sleep,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


# "spawn": forking a multi-threaded test process is deprecated (3.12+) and unsafe.
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def process_pool() -> Iterator[concurrent.futures.ProcessPoolExecutor]:
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=SPAWN) as executor:
        yield executor


async def test_to_process_result_and_kwargs() -> None:
    VAR.set("caller")
    assert await asynckit.to_process(add, 1, b=2) == 3
    assert await asynckit.to_process(get_var) == "default"  # no context is sent


async def test_to_process_exception_keeps_its_type() -> None:
    with pytest.raises(ValueError, match="in a process"):
        await asynckit.to_process(fail, "in a process")


async def test_to_process_names_what_cannot_be_pickled() -> None:
    lock = threading.Lock()
    with pytest.raises(pickle.PicklingError, match=r"keyword argument 'b' \(<unlocked"):
        await asynckit.to_process(add, 1, b=lock)  # type: ignore[arg-type]
    with pytest.raises(pickle.PicklingError, match="positional argument 0"):
        await asynckit.to_process(add, lock)  # type: ignore[arg-type]
    with pytest.raises(pickle.PicklingError, match=r"the function .*of the call to"):
        await asynckit.to_process(lambda: 0)


async def test_to_process_rejects_async_functions() -> None:
    async def coro_fn() -> None:
        raise AssertionError

    with pytest.raises(TypeError, match="is an async function"):
        await asynckit.to_process(coro_fn)  # type: ignore[unused-coroutine]


async def test_from_thread_inside_a_process() -> None:
    assert await asynckit.to_process(check_cancelled_in_process) == "not cancelled"
    with pytest.raises(RuntimeError, match="cannot reach the caller's event loop"):
        await asynckit.to_process(call_back_from_process)


async def test_to_process_crash_is_reported_and_the_pool_recovers() -> None:
    with pytest.raises(anyio.BrokenWorkerProcess, match=r"crash\(\) exited before returning"):
        await asynckit.to_process(crash)
    assert await asynckit.to_process(add, 2, b=2) == 4


async def test_cancelling_to_process_kills_the_worker(tmp_path: Path) -> None:
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(asynckit.to_process, write_pid_then_sleep, str(tmp_path))
            await wait_for_path(tmp_path / "started")
            scope.cancel()
    assert scope.cancelled_caught
    pid = int((tmp_path / "started").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert await asynckit.to_process(add, 3) == 3


async def test_to_process_limiter() -> None:
    limiter = anyio.CapacityLimiter(1)
    assert await asynckit.asyncify(add, executor="process", limiter=limiter)(1, b=1) == 2
    assert limiter.borrowed_tokens == 0


async def test_process_pool_result_exception_and_kwargs(
    process_pool: concurrent.futures.ProcessPoolExecutor,
) -> None:
    assert await asynckit.run_in_executor(process_pool, add, 1, b=2) == 3
    with pytest.raises(ValueError, match="pool"):
        await asynckit.run_in_executor(process_pool, fail, "pool")


@pytest.mark.parametrize("outcome", ["value", "raise"])
async def test_running_process_work_is_awaited(
    process_pool: concurrent.futures.ProcessPoolExecutor,
    tmp_path: Path,
    outcome: str,
    anyio_backend_name: str,
) -> None:
    await check_running_work_is_awaited(process_pool, tmp_path, outcome, anyio_backend_name)


async def test_crashed_process_pool_says_why_it_is_unusable() -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=SPAWN) as executor:
        with pytest.raises(
            concurrent.futures.process.BrokenProcessPool, match=r"died while running.*crash\(\)"
        ):
            await asynckit.run_in_executor(executor, crash)
        with pytest.raises(
            concurrent.futures.process.BrokenProcessPool, match="create a new executor"
        ):
            await asynckit.run_in_executor(executor, add, 1)


LEAK_CHECK = """
import concurrent.futures, os, sys, threading
import anyio
import asynckit

def double(x):
    return 2 * x

async def main():
    assert await asynckit.to_thread(double, 1) == 2
    assert await asynckit.to_process(double, 2) == 4
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert await asynckit.run_in_executor(pool, double, 3) == 6

if __name__ == "__main__":
    anyio.run(main, backend=sys.argv[1])
    for thread in threading.enumerate():
        if "waitpid-" in thread.name:  # asyncio's child watcher, reaping
            thread.join(30)
    # trio keeps idle worker threads cached for reuse (daemon threads it owns)
    left = [t for t in threading.enumerate() if not t.name.startswith("Trio thread")]
    assert left == [threading.main_thread()], left
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        pass  # no child process left, not even a zombie
    else:
        raise AssertionError("a worker process outlived the event loop")
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_no_thread_or_process_outlives_the_loop(tmp_path: Path, backend: str) -> None:
    run_leak_check(tmp_path, LEAK_CHECK, backend)
