"""``asynckit.as_completed`` and ``asynckit.wait`` beyond CPython's tests: limits, async with."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

import asynckit
from tests._backends import ASYNCIO_BACKENDS
from tests._gather_helpers import Tracker

asyncio_only = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)


@asyncio_only
async def test_as_completed_limit() -> None:
    tracker = Tracker()
    coros = [tracker.value(i) for i in range(6)]
    results = [await fut async for fut in asynckit.as_completed(coros, limit=2)]
    assert sorted(results) == list(range(6))
    assert tracker.peak <= 2


@asyncio_only
async def test_as_completed_plain_iteration_with_limit() -> None:
    tracker = Tracker()
    results = [
        await c for c in asynckit.as_completed([tracker.value(i) for i in range(4)], limit=1)
    ]
    assert sorted(results) == [0, 1, 2, 3]
    assert tracker.peak == 1


@asyncio_only
async def test_as_completed_async_with_break_cancels_the_rest() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    running = asyncio.ensure_future(tracker.wait_then(gate, "task"))
    unstarted = [tracker.wait_then(gate, i) for i in range(3)]
    first = tracker.value("first")
    async with asynckit.as_completed([first, running, *unstarted], limit=2) as results:
        assert "pending" in repr(results)
        async for fut in results:
            assert await fut == "first"
            break
    assert running.cancelled()
    assert tracker.running == 0
    assert [inspect.getcoroutinestate(c) for c in unstarted].count("CORO_CLOSED") >= 2


@asyncio_only
async def test_as_completed_async_with_error_cancels_the_rest() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    coros = [tracker.wait_then(gate, i) for i in range(3)]
    with pytest.raises(KeyError):  # noqa: PT012
        async with asynckit.as_completed(coros, timeout=30):
            await tracker.wait_running(3)
            raise KeyError("body")
    assert tracker.cancelled == 3


@asyncio_only
async def test_as_completed_async_with_timeout() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    with pytest.raises(asyncio.TimeoutError):  # noqa: PT012
        async with asynckit.as_completed([tracker.wait_then(gate, 1)], timeout=0.01) as results:
            async for _ in results:
                pass
    assert tracker.cancelled == 1


@asyncio_only
async def test_as_completed_async_with_caller_cancelled() -> None:
    tracker = Tracker()
    gate = asyncio.Event()

    async def consume() -> None:
        async with asynckit.as_completed([tracker.wait_then(gate, i) for i in range(2)]) as it:
            async for _ in it:
                pass

    task = asyncio.ensure_future(consume())
    await tracker.wait_running(2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tracker.cancelled == 2


@asyncio_only
async def test_cancelling_a_pending_proxy() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    coros = [tracker.wait_then(gate, i) for i in range(3)]
    done, pending = await asynckit.wait(coros, limit=1, timeout=0)
    assert not done
    assert len(pending) == 3
    for fut in pending:
        fut.cancel()
    await tracker.wait_running(0)
    while any(inspect.getcoroutinestate(c) != "CORO_CLOSED" for c in coros):
        await asyncio.sleep(0)
    assert tracker.cancelled == 1


@asyncio_only
async def test_wait_limit_keeps_starting_after_return() -> None:
    tracker = Tracker()
    done, pending = await asynckit.wait(
        [tracker.value(i) for i in range(4)], limit=1, return_when=asyncio.FIRST_COMPLETED
    )
    assert len(done) == 1
    assert len(pending) == 3
    done, pending = await asynckit.wait(pending)
    assert sorted(f.result() for f in done) == [1, 2, 3]
    assert tracker.peak == 1


@asyncio_only
async def test_wait_limit_propagates_outcomes() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    task = asyncio.ensure_future(tracker.wait_then(gate, "t"))
    failing = tracker.fail(ValueError("boom"))
    victim = asyncio.ensure_future(tracker.wait_then(gate, "v"))
    done, _ = await asynckit.wait(
        [failing, victim, task], limit=1, return_when=asyncio.FIRST_EXCEPTION
    )
    (failed,) = done
    assert isinstance(failed.exception(), ValueError)
    victim.cancel()
    gate.set()
    assert await task == "t"


@asyncio_only
async def test_wait_limit_with_cancelled_task() -> None:
    async def cancel_me() -> None:
        raise asyncio.CancelledError

    done, _ = await asynckit.wait([cancel_me()], limit=1)
    (fut,) = done
    assert fut.cancelled()


@asyncio_only
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"limit": 0}, ValueError, "'limit' must be at least 1"),
        ({"limit": 1, "return_when": "sometimes"}, ValueError, "Invalid return_when"),
    ],
)
async def test_wait_bad_arguments(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(error, match=message):
        await asynckit.wait([coro], **kwargs)
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


@asyncio_only
async def test_wait_limit_refuses_single_awaitable_and_empty() -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(TypeError, match="expect a list of futures"):
        await asynckit.wait(coro, limit=1)  # type: ignore[call-overload]
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"
    with pytest.raises(ValueError, match="empty"):
        await asynckit.wait([], limit=1)


@asyncio_only
async def test_as_completed_bad_limit_closes_coroutines() -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(TypeError, match="'limit' must be a positive int"):
        asynckit.as_completed([coro], limit="2")  # type: ignore[arg-type]
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


@asyncio_only
async def test_task_factory_failure_closes_everything() -> None:
    loop = asyncio.get_running_loop()
    tracker = Tracker()
    coros = [tracker.value(i) for i in range(3)]

    def refuse(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no tasks today")

    previous = loop.get_task_factory()
    loop.set_task_factory(refuse)
    try:
        with pytest.raises(RuntimeError, match="no tasks today"):
            asynckit.as_completed(coros, limit=1)
    finally:
        loop.set_task_factory(previous)
    assert all(inspect.getcoroutinestate(c) == "CORO_CLOSED" for c in coros)


def test_as_completed_without_loop_closes_coroutines() -> None:
    async def coro() -> int:
        return 1

    first = coro()
    asyncio.set_event_loop(None)
    with pytest.raises(RuntimeError):
        asynckit.as_completed([first])
    assert inspect.getcoroutinestate(first) == "CORO_CLOSED"


async def test_asyncio_only_under_trio(anyio_backend_name: str) -> None:
    if anyio_backend_name != "trio":
        pytest.skip("trio only")
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(RuntimeError, match="asyncio only"):
        asynckit.as_completed([coro])
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"
    coro = tracker.value(1)
    with pytest.raises(RuntimeError, match="asyncio only"):
        await asynckit.wait([coro])  # type: ignore[type-var]
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


@asyncio_only
async def test_as_completed_refuses_a_single_awaitable() -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(TypeError, match="expects an iterable of awaitables"):
        asynckit.as_completed(coro)  # type: ignore[arg-type]
    coro.close()


@asyncio_only
async def test_proxy_cancelled_but_task_finishes_anyway() -> None:
    started = asyncio.Event()

    async def stubborn() -> str:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return "ignored the cancellation"
        return "slept"  # pragma: no cover

    _, pending = await asynckit.wait([stubborn()], limit=1, timeout=0)
    await started.wait()
    (proxy,) = pending
    proxy.cancel()
    for _ in range(3):
        await asyncio.sleep(0)
    assert proxy.cancelled()


@asyncio_only
async def test_as_completed_exit_waits_even_when_cancelled_again() -> None:
    gate = asyncio.Event()
    finished = []

    tracker = Tracker()

    async def stubborn(i: int) -> int:
        try:
            await tracker.wait_then(asyncio.Event(), i)
        except asyncio.CancelledError:
            await gate.wait()
            finished.append(i)
            raise
        return i  # pragma: no cover

    entered = asyncio.Event()

    async def consume() -> None:
        async with asynckit.as_completed([stubborn(i) for i in range(2)]):
            await tracker.wait_running(2)
            entered.set()
            raise KeyError("leave")

    task = asyncio.ensure_future(consume())
    await entered.wait()
    for _ in range(3):
        await asyncio.sleep(0)
    task.cancel()  # While __aexit__ waits for the stubborn children.
    for _ in range(3):
        await asyncio.sleep(0)
    assert not task.done()
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(finished) == [0, 1]


@asyncio_only
async def test_as_completed_exit_under_an_anyio_cancel_scope() -> None:
    # Regression: anyio re-delivers a scope's cancellation at every step; waiting for
    # the children in __aexit__ must still finish (it once spun forever).
    import anyio

    tracker = Tracker()
    gate = asyncio.Event()
    with anyio.CancelScope() as scope:
        async with asynckit.as_completed([tracker.wait_then(gate, i) for i in range(3)]) as it:
            await tracker.wait_running(3)
            scope.cancel()
            async for _ in it:
                pass  # pragma: no cover
    assert scope.cancelled_caught
    assert tracker.cancelled == 3
