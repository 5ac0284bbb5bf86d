"""Paths of the executor bridges that only races or worker processes reach."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import multiprocessing
import pickle
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

import anyio
import pytest

import asynckit
from asynckit._from_thread import PROCESS_LINK, current_link
from asynckit._thread_work import FAILED, AsyncioThreadWork, take_exception
from asynckit._to_process import _Call
from tests._backends import ASYNCIO_BACKENDS
from tests._executors_helpers import (
    add,
    call_back_from_process,
    check_cancelled_in_process,
    fail,
    started_then_wait,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def test_call_round_trip_runs_with_the_process_link() -> None:
    call = pickle.loads(pickle.dumps(_Call(add, (1,), {"b": 2})))
    assert call() == 3
    assert pickle.loads(pickle.dumps(_Call(check_cancelled_in_process, (), {})))() == (
        "not cancelled"
    )
    with pytest.raises(RuntimeError, match="cannot reach the caller's event loop"):
        _Call(call_back_from_process, (), {})()
    assert current_link.get() is None
    PROCESS_LINK.check_cancelled()


@pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)
async def test_work_cancelled_before_its_thread_starts_it_is_skipped() -> None:
    ran: list[int] = []

    def record(x: int) -> int:
        ran.append(x)
        return x

    work = AsyncioThreadWork(
        record, (1,), {}, contextvars.copy_context(), asyncio.get_running_loop()
    )
    work.cancel_requested = True
    work.waiter = None
    result = await anyio.to_thread.run_sync(work)
    await asyncio.sleep(0)  # the wake-up the thread scheduled finds no waiter
    assert result is FAILED
    assert isinstance(take_exception(work), asyncio.CancelledError)
    assert ran == []
    assert work.done


async def test_partial_of_an_async_function_is_rejected() -> None:
    async def coro_fn(x: int) -> None:
        raise AssertionError

    with pytest.raises(TypeError, match="is an async function"):
        await asynckit.to_thread(functools.partial(coro_fn, 1))  # type: ignore[unused-coroutine]


async def test_limited_thread_call_that_raises() -> None:
    limiter = anyio.CapacityLimiter(1)
    with pytest.raises(ValueError, match="limited"):
        await asynckit.asyncify(fail, limiter=limiter)("limited")
    assert limiter.borrowed_tokens == 0


@pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)
async def test_repeated_native_cancellation_of_process_work(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        task = asyncio.ensure_future(
            asynckit.run_in_executor(pool, started_then_wait, str(tmp_path), "value")
        )
        with anyio.fail_after(30):
            while not (tmp_path / "started").exists():
                await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()
        await anyio.wait_all_tasks_blocked()
        assert not task.done()
        (tmp_path / "proceed").write_text("")
        with pytest.raises(asyncio.CancelledError):
            await task


def test_loky_executors_are_process_executors() -> None:
    from asynckit._executor_kinds import Kind, executor_kind

    class ProcessPoolExecutor(concurrent.futures.Executor):
        """Stands in for loky's executor, which is not a test dependency."""

    ProcessPoolExecutor.__module__ = "loky.process_executor"
    assert executor_kind(ProcessPoolExecutor()) is Kind.PROCESS


def test_broken_pool_error_keeps_the_class_when_it_can() -> None:
    from asynckit._executor_kinds import broken_pool_error

    class Terminated(BrokenProcessPool):
        pass

    class Picky(BrokenProcessPool):
        def __init__(self, message: str, exitcodes: list[int]) -> None:
            super().__init__(message, exitcodes)

    pool = concurrent.futures.ProcessPoolExecutor()
    error = broken_pool_error(pool, add, Terminated("gone"))
    assert type(error) is Terminated
    assert "create a new executor" in str(error)
    assert str(error).endswith("(gone)")
    error = broken_pool_error(pool, add, Picky("gone", [7]))
    assert type(error) is BrokenProcessPool
    assert "add()" in str(error)


def test_to_thread_work_still_queued_is_withdrawn(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    # A loop of its own: its default executor is replaced by a single busy thread.
    single = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    gate = threading.Event()
    blocker = single.submit(gate.wait)
    ran: list[str] = []

    async def main() -> None:
        asyncio.get_running_loop().set_default_executor(single)
        task = asyncio.ensure_future(asynckit.to_thread(ran.append, "ran"))
        for _ in range(5):
            await asyncio.sleep(0)  # the call reaches the executor's queue
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    loop = asyncio_loop_factory()
    try:
        loop.run_until_complete(main())
    finally:
        gate.set()
        blocker.result()
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
    assert ran == []
