"""to_thread, run_in_executor on thread pools, and asynckit.from_thread: every backend."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import sys
import threading
from typing import TYPE_CHECKING, Any

import anyio
import pytest

import asynckit
from asynckit import from_thread
from tests._backends import ASYNCIO_BACKENDS
from tests._executors_helpers import VAR, add, fail, get_var

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def pool() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


@pytest.fixture
def single() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        yield executor


def via_to_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return asynckit.to_thread(fn, *args, **kwargs)


@pytest.fixture(params=["to_thread", "run_in_executor", "asyncify"])
def call(request: pytest.FixtureRequest, pool: concurrent.futures.ThreadPoolExecutor) -> Any:
    """Each way of running a function in a thread."""
    if request.param == "to_thread":
        return via_to_thread
    if request.param == "run_in_executor":
        return functools.partial(asynckit.run_in_executor, pool)

    def via_asyncify(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return asynckit.asyncify(fn, executor=pool)(*args, **kwargs)

    return via_asyncify


async def test_result_args_and_kwargs(call: Any) -> None:
    assert await call(add, 1, b=2) == 3


async def test_exception_propagates_with_its_traceback(call: Any) -> None:
    with pytest.raises(ValueError, match="boom") as excinfo:
        await call(fail, "boom")
    assert excinfo.traceback[-1].name == "fail"


async def test_context_variables_are_copied_in(call: Any) -> None:
    VAR.set("caller")
    assert await call(get_var) == "caller"

    def set_var() -> None:
        VAR.set("thread")

    await call(set_var)
    assert VAR.get() == "caller"


async def test_rejects_async_functions(call: Any) -> None:
    async def coro_fn() -> None:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="is an async function: await it directly"):
        await call(coro_fn)


async def test_rejects_functions_returning_coroutines(call: Any) -> None:
    async def coro_fn() -> None:
        raise AssertionError("never awaited")

    def disguised() -> Any:
        return coro_fn()

    with pytest.raises(TypeError, match="returned coroutine object"):
        await call(disguised)


async def test_rejects_non_callables(call: Any) -> None:
    with pytest.raises(TypeError, match="expects a callable"):
        await call(42)


async def test_accepts_builtins_and_callable_objects(call: Any) -> None:
    assert await call(sum, [1, 2]) == 3
    assert await call(functools.partial(add, 1), 2) == 3


async def test_from_thread_run_and_run_sync(call: Any) -> None:
    event = anyio.Event()

    async def async_double(x: int) -> int:
        await anyio.sleep(0)
        return 2 * x

    def work() -> int:
        from_thread.run_sync(event.set)
        return from_thread.run(async_double, 21)

    assert await call(work) == 42
    assert event.is_set()


async def test_from_thread_propagates_exceptions(call: Any) -> None:
    async def async_fail() -> None:
        raise KeyError("async")

    def sync_fail() -> None:
        raise KeyError("sync")

    def work() -> None:
        with pytest.raises(KeyError, match="async"):
            from_thread.run(async_fail)
        with pytest.raises(KeyError, match="sync"):
            from_thread.run_sync(sync_fail)

    await call(work)


async def test_check_cancelled_is_quiet_when_not_cancelled(call: Any) -> None:
    await call(from_thread.check_cancelled)


def test_from_thread_outside_a_worker() -> None:
    for fn, args in ((from_thread.check_cancelled, ()), (from_thread.run_sync, (print,))):
        with pytest.raises(RuntimeError, match="must be called from a worker thread"):
            fn(*args)


async def test_from_thread_in_the_loop_thread() -> None:
    with pytest.raises(RuntimeError, match="in async code, await the function directly"):
        from_thread.check_cancelled()


async def _cancel_running(
    call: Any, body: Any, *, expect_blocked: bool = True
) -> tuple[list[str], Any]:
    """Start ``body(started, proceed)`` in a thread, cancel its caller while it runs.

    Returns what the caller saw and the value it got, if any.
    """
    started = threading.Event()
    proceed = threading.Event()
    seen: list[str] = []
    got: list[Any] = []
    scope = anyio.CancelScope()

    async def caller() -> None:
        with scope:
            try:
                got.append(await call(body, started, proceed))
            except anyio.get_cancelled_exc_class():
                seen.append("cancelled")
                raise
            except ValueError as exc:
                seen.append(f"error: {exc}")
                return
            seen.append("returned")
            await anyio.sleep(0)  # the next checkpoint
            seen.append("not cancelled at the next checkpoint")

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await anyio.to_thread.run_sync(started.wait)
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        if expect_blocked:
            assert seen == [], "the caller returned before its thread finished"
        proceed.set()
    return seen, got


async def test_running_thread_is_told_through_check_cancelled(call: Any) -> None:
    def body(started: threading.Event, proceed: threading.Event) -> str:
        started.set()
        proceed.wait()
        from_thread.check_cancelled()
        return "not told"

    seen, got = await _cancel_running(call, body)
    assert seen == ["cancelled"]
    assert got == []


async def test_exception_raised_after_cancellation_is_not_lost(call: Any) -> None:
    def body(started: threading.Event, proceed: threading.Event) -> str:
        started.set()
        proceed.wait()
        raise ValueError("raised while the caller was cancelled")

    seen, _ = await _cancel_running(call, body)
    assert seen == ["error: raised while the caller was cancelled"]


async def test_value_returned_after_cancellation(call: Any, anyio_backend_name: str) -> None:
    def body(started: threading.Event, proceed: threading.Event) -> str:
        started.set()
        proceed.wait()
        return "value"

    seen, got = await _cancel_running(call, body)
    if anyio_backend_name == "trio":
        # trio's semantics: the outcome is delivered, the cancellation comes next.
        assert seen == ["returned"]
        assert got == ["value"]
    else:
        # asyncio's: the cancellation wins once the thread has finished.
        assert seen == ["cancelled"]


async def test_queued_work_is_withdrawn(single: concurrent.futures.ThreadPoolExecutor) -> None:
    gate = threading.Event()
    blocker = single.submit(gate.wait)
    ran: list[str] = []
    scope = anyio.CancelScope()

    async def caller() -> None:
        with scope:
            await asynckit.run_in_executor(single, ran.append, "ran")

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await anyio.wait_all_tasks_blocked()
        scope.cancel()
    assert scope.cancelled_caught
    gate.set()
    blocker.result()
    single.shutdown(wait=True)
    assert ran == []


def _block(started: threading.Event, proceed: threading.Event) -> str:
    started.set()
    proceed.wait()
    return "done"


@pytest.mark.parametrize("where", ["to_thread", "executor", "to_thread(limiter=)"])
async def test_limiter_token_held_until_the_thread_finishes(
    pool: concurrent.futures.ThreadPoolExecutor, where: str
) -> None:
    limiter = anyio.CapacityLimiter(1)
    body: Any
    if where == "to_thread(limiter=)":
        body = functools.partial(asynckit.to_thread, _block, limiter=limiter)
    else:
        executor = None if where == "to_thread" else pool
        body = asynckit.asyncify(_block, executor=executor, limiter=limiter)

    started = threading.Event()
    proceed = threading.Event()
    scope = anyio.CancelScope()

    async def caller() -> None:
        with scope:
            await body(started, proceed)

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await anyio.to_thread.run_sync(started.wait)
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert limiter.borrowed_tokens == 1
        proceed.set()
    assert limiter.borrowed_tokens == 0


async def test_limiter_bounds_concurrency() -> None:
    limiter = anyio.CapacityLimiter(2)
    lock = threading.Lock()
    running = [0, 0]  # now, peak

    @asynckit.asyncify(limiter=limiter)
    def work(x: int) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running)
        try:
            return x
        finally:
            with lock:
                running[0] -= 1

    async with anyio.create_task_group() as tg:
        for i in range(10):
            tg.start_soon(work, i)
    assert running[0] == 0
    assert 1 <= running[1] <= 2


async def test_to_thread_limiter_bounds_concurrency() -> None:
    limiter = anyio.CapacityLimiter(1)
    started = threading.Event()
    proceed = threading.Event()
    results: list[str] = []

    async def call(fn: Any, *args: Any) -> None:
        results.append(await asynckit.to_thread(fn, *args, limiter=limiter))

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, _block, started, proceed)
        await anyio.to_thread.run_sync(started.wait)
        tg.start_soon(call, str, "second")
        await anyio.wait_all_tasks_blocked()
        # The second call waits for the token, not for a thread.
        assert limiter.borrowed_tokens == 1
        assert limiter.statistics().tasks_waiting == 1
        assert results == []
        proceed.set()
    assert results == ["done", "second"]
    assert limiter.borrowed_tokens == 0


async def test_to_thread_cancelled_while_waiting_for_the_limiter_never_runs() -> None:
    limiter = anyio.CapacityLimiter(1)
    started = threading.Event()
    proceed = threading.Event()
    ran: list[str] = []
    scope = anyio.CancelScope()

    async def waiting_caller() -> None:
        with scope:
            await asynckit.to_thread(ran.append, "second", limiter=limiter)

    async with anyio.create_task_group() as tg:
        tg.start_soon(
            functools.partial(asynckit.to_thread, _block, started, proceed, limiter=limiter)
        )
        await anyio.to_thread.run_sync(started.wait)
        tg.start_soon(waiting_caller)
        await anyio.wait_all_tasks_blocked()
        assert limiter.statistics().tasks_waiting == 1
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert limiter.statistics().tasks_waiting == 0
        assert limiter.borrowed_tokens == 1  # still the first call's
        proceed.set()
    assert scope.cancelled_caught
    assert ran == []
    assert limiter.borrowed_tokens == 0


async def test_to_thread_limiter_none_and_keyword_arguments() -> None:
    assert await asynckit.to_thread(add, 1, 2, limiter=None) == 3
    assert await asynckit.to_thread(add, 1, 2, limiter=anyio.CapacityLimiter(1)) == 3
    # fn's keyword arguments travel with a limiter through functools.partial.
    partial = functools.partial(add, b=5)
    assert await asynckit.to_thread(partial, 1, limiter=anyio.CapacityLimiter(1)) == 6


async def test_to_thread_rejects_what_is_not_a_limiter() -> None:
    def takes_a_limiter(limiter: int) -> int:
        return limiter

    with pytest.raises(TypeError, match=r"argument 'limiter' must be a capacity limiter.*partial"):
        await asynckit.to_thread(takes_a_limiter, limiter=4)
    # The way to pass fn a keyword of that name:
    assert await asynckit.to_thread(functools.partial(takes_a_limiter, limiter=4)) == 4


class _InlineExecutor(concurrent.futures.Executor):
    """An executor that runs work in the calling thread: the "other" kind."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


async def test_other_executors_run_the_function_as_given() -> None:
    executor = _InlineExecutor()
    assert await asynckit.run_in_executor(executor, add, 2, b=3) == 5
    with pytest.raises(ValueError, match="inline"):
        await asynckit.run_in_executor(executor, fail, "inline")


@pytest.mark.parametrize(
    ("executor", "hint"),
    [
        (None, "call asynckit.to_thread"),
        (add, "the executor comes first"),
        (42, "got 42$"),
    ],
)
async def test_rejects_non_executors(executor: Any, hint: str) -> None:
    with pytest.raises(TypeError, match=hint):
        await asynckit.run_in_executor(executor, add, 1)


async def test_rejects_a_dask_client_with_a_hint() -> None:
    class Client:
        def get_executor(self) -> None:
            raise AssertionError

    with pytest.raises(TypeError, match=r"pass client\.get_executor\(\)"):
        await asynckit.run_in_executor(Client(), add, 1)  # type: ignore[arg-type]


async def test_shut_down_executor(pool: concurrent.futures.ThreadPoolExecutor) -> None:
    pool.shutdown()
    with pytest.raises(RuntimeError, match="shutdown"):
        await asynckit.run_in_executor(pool, add, 1)


async def test_checkpoints_even_when_the_work_is_already_done() -> None:
    scope = anyio.CancelScope()
    scope.cancel()
    with scope:
        await asynckit.run_in_executor(_InlineExecutor(), add, 1)
    assert scope.cancelled_caught


@pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)
async def test_native_asyncio_cancellation_of_running_work() -> None:
    started = threading.Event()
    proceed = threading.Event()

    def body() -> str:
        started.set()
        proceed.wait()
        from_thread.check_cancelled()
        return "not told"

    task = asyncio.ensure_future(asynckit.to_thread(body))
    await anyio.to_thread.run_sync(started.wait)
    task.cancel("stop")
    await asyncio.sleep(0)
    task.cancel("again")  # cancelled twice while waiting: still waits for the thread
    await anyio.wait_all_tasks_blocked()
    assert not task.done()
    proceed.set()
    with pytest.raises(asyncio.CancelledError) as excinfo:
        await task
    if sys.version_info >= (3, 11):  # 3.10 loses the message of a re-raised cancellation
        assert str(excinfo.value) == "stop"  # the first cancellation, raised once
