"""``asynckit.gather`` on asyncio: the returned future, its ``cancel()``, futures and loops."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from typing import Any

import pytest

import asynckit
from asynckit._gather_future import BoundedGatheringFuture
from tests._backends import ASYNCIO_BACKENDS
from tests._gather_helpers import Tracker

pytestmark = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)


async def test_without_limit_it_is_asyncio_gather() -> None:
    tracker = Tracker()
    fut = asynckit.gather(tracker.value(1), tracker.value(2))
    assert type(fut).__name__ == "_GatheringFuture"
    assert list(await fut) == [1, 2]


async def test_with_limit_returns_a_future() -> None:
    tracker = Tracker()
    fut = asynckit.gather(*(tracker.value(i) for i in range(4)), limit=2)
    assert isinstance(fut, asyncio.Future)
    called: list[asyncio.Future[Any]] = []
    fut.add_done_callback(called.append)
    assert await fut == [0, 1, 2, 3]
    await asyncio.sleep(0)
    assert called == [fut]


async def test_futures_take_no_slot() -> None:
    loop = asyncio.get_running_loop()
    blocker: asyncio.Future[str] = loop.create_future()
    other: asyncio.Future[str] = loop.create_future()
    other.set_result("o")
    tracker = Tracker()
    fut = asynckit.gather(blocker, tracker.value(1), other, tracker.value(2), limit=1)
    await tracker.wait_finished(2)
    assert not fut.done()
    blocker.set_result("f")
    assert list(await fut) == ["f", 1, "o", 2]


async def test_cancel_closes_unstarted_and_cancels_running() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    unstarted = [tracker.value(i) for i in range(3)]
    fut = asynckit.gather(tracker.wait_then(gate, 0), *unstarted, limit=1)
    await tracker.wait_running(1)
    assert fut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fut
    assert tracker.cancelled == 1
    assert [inspect.getcoroutinestate(c) for c in unstarted] == ["CORO_CLOSED"] * 3
    assert not fut.cancel()


@pytest.mark.parametrize("return_exceptions", [False, True])
async def test_cancel_propagates_even_with_return_exceptions(return_exceptions: bool) -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    fut = asynckit.gather(
        tracker.wait_then(gate, 0),
        tracker.wait_then(gate, 1),
        tracker.value(2),
        limit=2,
        return_exceptions=return_exceptions,
    )
    await tracker.wait_running(2)
    fut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fut


async def test_cancel_of_a_child_is_an_error() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    child = asyncio.ensure_future(tracker.wait_then(gate, 0))
    fut = asynckit.gather(child, tracker.value(1), limit=1)
    await tracker.wait_running(1)
    child.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fut
    assert not fut.cancelled()


async def test_cancelled_child_with_cancel_on_error() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    child = asyncio.ensure_future(tracker.wait_then(gate, 0))
    other = tracker.wait_then(gate, 1)
    fut = asynckit.gather(child, other, limit=1, cancel_on_error=True)
    await tracker.wait_running(2)
    child.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fut
    assert tracker.cancelled == 2


async def test_cancelled_child_then_real_error_raises_the_error() -> None:
    tracker = Tracker()
    gate = asyncio.Event()
    child = asyncio.ensure_future(tracker.wait_then(gate, 0))
    fut = asynckit.gather(
        child, tracker.fail_on_cancel(KeyError("late")), limit=2, cancel_on_error=True
    )
    await tracker.wait_running(2)
    child.cancel()
    with pytest.raises(KeyError, match="late"):
        await fut


async def test_cancel_while_cancel_on_error_waits() -> None:
    gate = asyncio.Event()
    cleaned_up = []

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await gate.wait()
            cleaned_up.append(True)
            raise

    tracker = Tracker()
    fut = asynckit.gather(
        stubborn(), tracker.fail(ValueError("boom")), limit=2, cancel_on_error=True
    )
    await tracker.wait_finished(1)
    await asyncio.sleep(0)
    assert fut.cancel()  # While it waits for stubborn() to finish.
    gate.set()
    with pytest.raises(ValueError, match="boom"):
        await fut
    assert cleaned_up == [True]


async def test_other_children_keep_starting_after_first_error() -> None:
    tracker = Tracker()
    fut = asynckit.gather(
        tracker.fail(ValueError("boom")),
        tracker.fail(KeyError("second")),
        *(tracker.value(i) for i in range(3)),
        limit=1,
    )
    with pytest.raises(ValueError, match="boom"):
        await fut
    # As with asyncio.gather the rest still runs, and its errors are retrieved.
    await tracker.wait_finished(5)
    assert not fut.cancel()


async def test_futures_of_another_loop_are_refused() -> None:
    other = asyncio.new_event_loop()
    try:
        loop = asyncio.get_running_loop()
        tracker = Tracker()
        coro = tracker.value(1)
        with pytest.raises(ValueError, match="same event loop"):
            asynckit.gather(loop.create_future(), other.create_future(), coro, limit=1)
        assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"
    finally:
        other.close()


async def test_awaitable_objects_are_wrapped() -> None:
    class Answer:
        def __await__(self) -> Any:
            yield from asyncio.sleep(0).__await__()
            return 42

    assert list(await asynckit.gather(Answer(), Answer(), limit=1)) == [42, 42]


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
            asynckit.gather(*coros, limit=1)
    finally:
        loop.set_task_factory(previous)
    assert all(inspect.getcoroutinestate(c) == "CORO_CLOSED" for c in coros)


def test_no_loop_closes_coroutines(anyio_backend: Any) -> None:
    async def coro() -> int:
        return 1

    first, second = coro(), coro()
    asyncio.set_event_loop(None)
    with pytest.raises(RuntimeError):
        asynckit.gather(first, second, limit=1)
    assert inspect.getcoroutinestate(first) == "CORO_CLOSED"
    assert inspect.getcoroutinestate(second) == "CORO_CLOSED"


def test_bounded_future_class_is_a_future(anyio_backend: Any) -> None:
    assert issubclass(BoundedGatheringFuture, asyncio.Future)


_var: contextvars.ContextVar[str] = contextvars.ContextVar("_var", default="unset")


async def test_children_started_later_see_the_context_of_the_call() -> None:
    # As with asyncio.gather, every child runs in its own copy of the caller's
    # context as it was when gather() was called, even one started much later.
    async def child(n: int) -> str:
        seen = _var.get()
        _var.set(f"child {n}")  # its own copy: no sibling sees this
        await asyncio.sleep(0)
        return seen

    _var.set("at the call")
    fut = asynckit.gather(*(child(n) for n in range(4)), limit=1)
    _var.set("after the call")
    assert await fut == ["at the call"] * 4
    assert _var.get() == "after the call"


async def test_a_task_factory_set_while_running_makes_the_later_children(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    made: list[str] = []
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        made.append(coro.__qualname__)
        if previous is not None:
            return previous(loop, coro, **kwargs)
        return asyncio.Task(coro, loop=loop, **kwargs)

    async def first() -> int:
        loop.set_task_factory(factory)
        await asyncio.sleep(0)
        return 1

    async def later() -> int:
        return 2

    try:
        assert list(await asynckit.gather(first(), later(), later(), limit=1)) == [1, 2, 2]
    finally:
        loop.set_task_factory(previous)
    assert made == [later.__qualname__] * 2
