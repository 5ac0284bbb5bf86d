"""LoopThread: run, submit, call, errors, context, lifecycle and statistics."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import gc
import inspect
import signal
import threading
import traceback
import weakref
from typing import TYPE_CHECKING, Any

import anyio
import pytest
import sniffio

from asynckit import LoopThread, LoopThreadClosedError, LoopThreadFuture, _loopthread_core
from tests._loopthread_helpers import (  # noqa: F401
    ASYNCIO_FLAVOURS,
    flavour_fixture,
    loop_thread_fixture,
)

if TYPE_CHECKING:
    from collections.abc import Callable

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def echo(value: Any) -> Any:
    await anyio.lowlevel.checkpoint()
    return value


async def fail_with(exc: BaseException) -> None:
    await anyio.lowlevel.checkpoint()
    raise exc


def test_run_returns_the_result(loop_thread: LoopThread) -> None:
    assert loop_thread.run(echo, 1) == 1
    assert loop_thread.run(echo(2)) == 2


def test_run_runs_on_the_loop_thread(loop_thread: LoopThread, flavour: dict[str, Any]) -> None:
    async def where() -> tuple[str, int]:
        return sniffio.current_async_library(), threading.get_ident()

    library, ident = loop_thread.run(where)
    assert library == flavour["backend"]
    assert ident != threading.get_ident()
    assert loop_thread.call(threading.get_ident) == ident


def test_run_reraises_the_original_exception_with_its_traceback(loop_thread: LoopThread) -> None:
    error = ValueError("boom")
    with pytest.raises(ValueError, match="boom") as info:
        loop_thread.run(fail_with, error)
    assert info.value is error
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "fail_with" in frames


def test_run_delivers_base_exceptions(loop_thread: LoopThread) -> None:
    with pytest.raises(KeyboardInterrupt):
        loop_thread.run(fail_with, KeyboardInterrupt())
    assert loop_thread.run(echo, "still running") == "still running"


def test_calls_run_in_a_copy_of_the_callers_context(loop_thread: LoopThread) -> None:
    async def read_and_set() -> str:
        seen = request_id.get()
        request_id.set("changed inside")
        return seen

    token = request_id.set("abc")
    try:
        assert loop_thread.run(read_and_set) == "abc"
        assert loop_thread.call(request_id.get) == "abc"
        assert request_id.get() == "abc"
    finally:
        request_id.reset(token)


def test_run_from_a_thread_running_another_loop(loop_thread: LoopThread) -> None:
    async def notebook_cell() -> int:
        # A Jupyter cell: sync code called from a thread whose loop is running.
        result: int = loop_thread.run(echo, 42)
        return result

    assert asyncio.run(notebook_cell()) == 42


def test_blocking_on_the_loop_thread_raises_at_once(loop_thread: LoopThread) -> None:
    async def nested() -> None:
        loop_thread.run(echo(1))

    with pytest.raises(
        RuntimeError, match=r"LoopThread\.run\(\) was called on the LoopThread's own"
    ):
        loop_thread.run(nested)
    with pytest.raises(RuntimeError, match=r"LoopThread\.call\(\) .* await the coroutine"):
        loop_thread.call(loop_thread.call, threading.get_ident)


def test_submit_from_the_loop_thread_can_be_awaited(loop_thread: LoopThread) -> None:
    if loop_thread._backend == "trio":
        pytest.skip("asyncio.wrap_future is asyncio-only")

    async def inside() -> int:
        future = loop_thread.submit(echo, 5)
        with pytest.raises(RuntimeError, match="would deadlock"):
            future.result()
        result: int = await asyncio.wrap_future(future)
        return result

    assert loop_thread.run(inside) == 5


def test_timeout_cancels_the_task_and_waits_for_it(loop_thread: LoopThread) -> None:
    cleaned_up = threading.Event()

    async def slow() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.lowlevel.checkpoint()
            cleaned_up.set()

    with pytest.raises(TimeoutError, match=r"did not complete within 0\.05 s"):
        loop_thread.run(slow, timeout=0.05)
    assert cleaned_up.is_set()
    assert loop_thread.statistics().tasks_running == 0


def test_timeout_returns_a_result_that_beat_the_cancellation(loop_thread: LoopThread) -> None:
    async def stubborn() -> str:
        if sniffio.current_async_library() == "trio":
            with anyio.CancelScope(shield=True):
                await anyio.sleep(0.1)
            return "done anyway"
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return "done anyway"
        raise AssertionError("not reached")  # pragma: no cover

    assert loop_thread.run(stubborn, timeout=0.01) == "done anyway"


def test_timeout_values(loop_thread: LoopThread) -> None:
    assert loop_thread.run(echo, 1, timeout=1e12) == 1
    assert loop_thread.run(echo, 2, timeout=30) == 2
    with pytest.raises(ValueError, match="timeout must be None or a non-negative number"):
        loop_thread.run(echo, 1, timeout=-1)


def test_keyboard_interrupt_while_waiting_cancels_the_task(loop_thread: LoopThread) -> None:
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        pytest.skip("needs the main thread")
    main_ident = threading.get_ident()
    started = threading.Event()
    finished = threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            finished.set()

    interrupted = threading.Event()

    def on_sigint(signum: int, frame: object) -> None:
        if not interrupted.is_set():
            interrupted.set()
            raise KeyboardInterrupt

    def interrupt() -> None:
        started.wait()
        # A signal that lands just before the main thread blocks in lock.acquire() is
        # only handled when the wait ends, so repeat it until it has been handled.
        while not interrupted.is_set():
            signal.pthread_kill(main_ident, signal.SIGINT)
            interrupted.wait(0.05)

    previous = signal.signal(signal.SIGINT, on_sigint)
    helper = threading.Thread(target=interrupt)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            loop_thread.run(forever)
    finally:
        helper.join()
        signal.signal(signal.SIGINT, previous)
    assert finished.wait(30)


def test_bad_arguments_are_refused_with_a_clear_error(loop_thread: LoopThread) -> None:
    with pytest.raises(TypeError, match=r"LoopThread\.run\(\) expected a function"):
        loop_thread.run(42)  # type: ignore[arg-type]
    coro = echo(1)
    with pytest.raises(TypeError, match=r"run\(fn, \*args\), not run\(fn\(\), \*args\)"):
        loop_thread.run(coro, 1)
    assert (
        inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED
    )  # closed, so never "never awaited"
    with pytest.raises(TypeError, match="returned 3, which cannot be awaited"):
        loop_thread.run(lambda: 3)  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match=r"call\(\) runs a sync function.* returned a coroutine"):
        loop_thread.call(echo, 1)  # type: ignore[unused-coroutine]
    with pytest.raises(TypeError, match=r"LoopThread\.submit\(\) expected a function"):
        loop_thread.submit(None)  # type: ignore[arg-type]


def test_call_runs_a_sync_function(loop_thread: LoopThread) -> None:
    assert loop_thread.call(divmod, 7, 2) == (3, 1)
    with pytest.raises(ZeroDivisionError):
        loop_thread.call(divmod, 1, 0)


def test_submit_returns_a_concurrent_future(loop_thread: LoopThread) -> None:
    future = loop_thread.submit(echo, "x")
    assert isinstance(future, concurrent.futures.Future)
    assert isinstance(future, LoopThreadFuture)
    assert future.result(timeout=30) == "x"
    assert not future.cancel()
    failing = loop_thread.submit(fail_with(ValueError("bad")))
    assert isinstance(failing.exception(timeout=30), ValueError)


def test_cancelling_a_future_cancels_the_task_and_resolves_when_it_ends(
    loop_thread: LoopThread,
) -> None:
    started = threading.Event()
    release: list[anyio.Event] = []

    async def cleanup_takes_a_while() -> None:
        release.append(anyio.Event())
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            with anyio.CancelScope(shield=True):
                await release[0].wait()

    future = loop_thread.submit(cleanup_takes_a_while)
    assert started.wait(30)
    assert future.cancel()
    # The task is still cleaning up: the future is not done yet.
    done, _ = concurrent.futures.wait([future], timeout=0.05)
    assert not done
    loop_thread.call(release[0].set)
    done, _ = concurrent.futures.wait([future], timeout=30)
    assert done == {future}
    assert future.cancelled()
    with pytest.raises(concurrent.futures.CancelledError):
        future.result()


def test_cancelling_a_future_before_its_task_starts(loop_thread: LoopThread) -> None:
    futures: list[LoopThreadFuture[None]] = []

    def submit_and_cancel() -> None:
        # On the loop thread: the task is created by the current batch, then cancelled
        # before its first step.
        coro = anyio.sleep_forever()
        futures.append(loop_thread.submit(coro))
        futures[0].cancel()

    loop_thread.call(submit_and_cancel)
    done, _ = concurrent.futures.wait(futures, timeout=30)
    assert done == set(futures)
    assert futures[0].cancelled()


def test_a_call_cancelled_before_it_is_started(loop_thread: LoopThread) -> None:
    from asynckit._loopthread_calls import WaitCall

    call = WaitCall(None, (), echo(1), True)
    call.cancel_requested = True
    loop_thread.call(loop_thread._runner.start_call, call)
    with pytest.raises(TimeoutError):
        call.wait(None, lambda call: None)


def test_task_cancelled_by_its_own_code(loop_thread: LoopThread) -> None:
    if loop_thread._backend == "trio":
        pytest.skip("asyncio task cancellation")

    async def cancel_myself() -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        await asyncio.sleep(0)

    with pytest.raises(asyncio.CancelledError):
        loop_thread.run(cancel_myself)
    future = loop_thread.submit(cancel_myself)
    assert isinstance(future.exception(timeout=30), asyncio.CancelledError)


def test_run_accepts_other_awaitables(loop_thread: LoopThread) -> None:
    if loop_thread._backend == "trio":
        pytest.skip("asyncio futures")

    def make_future() -> asyncio.Future[int]:
        future = asyncio.get_running_loop().create_future()
        future.set_result(9)
        return future

    assert loop_thread.run(make_future) == 9


def test_lifecycle_and_repr(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(name="worker", **flavour)
    assert loop_thread.name == "worker"
    assert repr(loop_thread) == (
        f"<LoopThread name='worker' backend={flavour['backend']!r} state=created>"
    )
    assert loop_thread.statistics().state == "created"
    with pytest.raises(RuntimeError, match="is not started: use it as a context manager"):
        loop_thread.run(echo, 1)
    coro = echo(1)
    with pytest.raises(RuntimeError, match="is not started"):
        loop_thread.submit(coro)
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED
    loop_thread.start()
    assert "state=running" in repr(loop_thread)
    assert loop_thread.call(lambda: threading.current_thread().name) == "worker"
    with pytest.raises(RuntimeError, match="was already started"):
        loop_thread.start()
    loop_thread.close()
    loop_thread.close()
    assert "state=closed" in repr(loop_thread)
    with pytest.raises(RuntimeError, match="cannot be restarted"):
        loop_thread.start()
    with pytest.raises(LoopThreadClosedError, match=r"state=closed> is closed$"):
        loop_thread.run(echo, 1)
    with pytest.raises(LoopThreadClosedError):
        loop_thread.call(print)


def test_closing_a_loop_thread_that_never_started() -> None:
    loop_thread = LoopThread()
    loop_thread.close()
    assert loop_thread.statistics().state == "closed"
    with pytest.raises(LoopThreadClosedError):
        loop_thread.run(echo, 1)


def test_statistics(loop_thread: LoopThread) -> None:
    started = threading.Event()

    async def wait_forever() -> None:
        started.set()
        await anyio.sleep_forever()

    assert loop_thread.statistics().tasks_running == 0
    future = loop_thread.submit(wait_forever)
    assert started.wait(30)
    stats = loop_thread.statistics()
    assert (stats.state, stats.calls_queued, stats.tasks_running) == ("running", 0, 1)
    future.cancel()
    concurrent.futures.wait([future], timeout=30)
    assert loop_thread.statistics().tasks_running == 0


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="backend must be 'asyncio' or 'trio', got 'curio'"):
        LoopThread(backend="curio")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="asyncio options; trio has neither"):
        LoopThread(backend="trio", use_uvloop=True)
    with pytest.raises(ValueError, match="timeout must be a non-negative"):
        LoopThread().close(timeout=-1)


def test_start_failure_is_reported() -> None:
    loop_thread = LoopThread()

    def broken_factory() -> asyncio.AbstractEventLoop:
        raise OSError("no more fds")

    loop_thread._runner._loop_factory = broken_factory  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="could not start its event loop") as info:
        loop_thread.start()
    assert isinstance(info.value.__cause__, OSError)
    assert loop_thread.statistics().state == "closed"


@pytest.mark.parametrize("flavour", ASYNCIO_FLAVOURS)
def test_uses_the_requested_loop_type(flavour: dict[str, Any]) -> None:
    with LoopThread(**flavour) as loop_thread:
        loop = loop_thread.call(asyncio.get_running_loop)
        assert loop.get_debug()
        assert ("uvloop" in type(loop).__module__) == flavour.get("use_uvloop", False)
        # asyncio.get_event_loop() works in sync code called on the loop thread.
        assert loop_thread.call(asyncio.get_event_loop) is loop


def test_calls_complete_once() -> None:
    from asynckit._loopthread_calls import FutureCall, WaitCall

    call = WaitCall(abs, (1,), None, False)
    call.set_result(1)
    call.set_result(2)
    call.set_exception(ValueError())
    call.set_cancelled()
    assert call.wait(None, lambda call: None) == 1
    future: LoopThreadFuture[int] = LoopThreadFuture()
    future_call = FutureCall(abs, (1,), None, future)
    future_call.set_exception(ValueError("first"))
    future_call.set_result(2)
    future_call.set_exception(KeyError())
    future_call.set_cancelled()
    assert isinstance(future.exception(), ValueError)


def test_calls_while_starting_or_closing_are_refused() -> None:
    loop_thread = LoopThread()
    loop_thread._state = _loopthread_core._State.STARTING
    with pytest.raises(RuntimeError, match="is still starting"):
        loop_thread.run(echo, 1)
    loop_thread._state = _loopthread_core._State.CREATED
    loop_thread.close()
    loop_thread.close()
    assert loop_thread.statistics().state == "closed"


def test_calls_reaching_a_closing_loop_are_refused(loop_thread: LoopThread) -> None:
    from asynckit._loopthread_calls import WaitCall

    runner = loop_thread._runner
    call = WaitCall(None, (), echo(1), True)

    def start_while_closing() -> None:
        runner.closing = True
        try:
            runner.start_call(call)
        finally:
            runner.closing = False

    loop_thread.call(start_while_closing)
    with pytest.raises(LoopThreadClosedError):
        call.wait(None, lambda call: None)


def test_a_drain_picks_up_calls_queued_while_it_finishes() -> None:
    from collections import deque

    from asynckit._loopthread_calls import Call

    started: list[object] = []
    late = object()

    class LateQueue(deque[Any]):
        late_arrival = True

        def popleft(self) -> Any:
            if not self and self.late_arrival:
                # Another thread queues a call just after this drain found the queue
                # empty, and sees the wake-up flag still set.
                self.late_arrival = False
                self.append(late)
                raise IndexError
            return super().popleft()

    loop_thread = LoopThread()
    loop_thread._queue = LateQueue([object()])
    loop_thread._runner = type("Runner", (), {"start_call": staticmethod(started.append)})()
    loop_thread._wakeup_pending = True
    loop_thread._drain()
    assert started[1] is late
    assert not loop_thread._wakeup_pending
    assert not isinstance(started[0], Call)


def test_close_when_the_loop_cannot_be_reached() -> None:
    loop_thread = LoopThread()
    loop_thread.start()
    schedule = loop_thread._schedule

    def stopped(*args: object) -> None:
        raise RuntimeError("Event loop is closed")

    loop_thread._schedule = stopped
    with pytest.raises(RuntimeError, match="did not stop within 1 s"):
        loop_thread.close(timeout=0)
    schedule(loop_thread._runner.begin_shutdown, 0.0)
    assert loop_thread._thread is not None
    loop_thread._thread.join(30)
    assert not loop_thread._thread.is_alive()


def test_cancel_requests_before_the_task_starts_and_after_it_ends(
    loop_thread: LoopThread,
) -> None:
    from asynckit._loopthread_calls import FutureCall

    runner = loop_thread._runner
    early: LoopThreadFuture[None] = LoopThreadFuture()
    early_call = FutureCall(anyio.sleep_forever, (), None, early)

    def start_then_cancel() -> None:
        runner.start_call(early_call)  # the task exists but has not run yet
        runner.cancel_call(early_call)

    loop_thread.call(start_then_cancel)
    concurrent.futures.wait([early], timeout=30)
    assert early.cancelled()

    late: LoopThreadFuture[int] = LoopThreadFuture()
    late_call = FutureCall(echo, (1,), None, late)
    loop_thread.call(runner.start_call, late_call)
    assert late.result(timeout=30) == 1
    loop_thread.call(runner.cancel_call, late_call)  # the task has already finished
    assert late.result() == 1


class _Traced(Exception):
    """An exception that can be weakly referenced."""


def test_a_raised_exception_is_not_kept_alive_by_a_reference_cycle(
    loop_thread: LoopThread,
) -> None:
    async def fails() -> None:
        await anyio.lowlevel.checkpoint()
        raise _Traced

    def failing_sync() -> None:
        raise _Traced

    gc.collect()
    gc.disable()
    try:
        runs: list[Callable[[], None]] = [
            lambda: loop_thread.run(fails),
            lambda: loop_thread.call(failing_sync),
        ]
        for run in runs:
            refs: list[weakref.ref[_Traced]] = []
            try:
                run()
            except _Traced as exc:
                refs.append(weakref.ref(exc))
            assert len(refs) == 1
            assert refs[0]() is None
    finally:
        gc.enable()
