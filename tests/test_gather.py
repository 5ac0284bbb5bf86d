"""``asynckit.gather``: limits, structured failure, cancellation and bad input, on every backend."""

from __future__ import annotations

import gc
import inspect
from typing import Any

import anyio
import pytest

import asynckit
from asynckit._bounded import BaseExceptionGroup
from tests._gather_helpers import Tracker


async def test_results_in_argument_order() -> None:
    tracker = Tracker()
    results = await asynckit.gather(*(tracker.value(i) for i in range(10)), limit=3)
    assert results == list(range(10))
    assert tracker.peak <= 3


async def test_limit_bounds_concurrency_and_starts_lazily() -> None:
    tracker = Tracker()
    gate = anyio.Event()
    coros = [tracker.wait_then(gate, i) for i in range(6)]
    async with anyio.create_task_group() as tg:
        results: list[Any] = []

        async def run() -> None:
            results.extend(await asynckit.gather(*coros, limit=2))

        tg.start_soon(run)
        await tracker.wait_running(2)
        await anyio.wait_all_tasks_blocked()
        # Only two started: the others are still unstarted coroutines.
        assert tracker.running == 2
        assert [inspect.getcoroutinestate(c) for c in coros[2:]] == ["CORO_CREATED"] * 4
        gate.set()
    assert results == list(range(6))
    assert tracker.peak == 2


async def test_limit_larger_than_count_runs_all() -> None:
    tracker = Tracker()
    assert await asynckit.gather(*(tracker.value(i) for i in range(3)), limit=10) == [0, 1, 2]


async def test_duplicate_coroutine_runs_once() -> None:
    tracker = Tracker()
    coro = tracker.value("x")
    assert list(await asynckit.gather(coro, coro, tracker.value("y"), limit=1)) == ["x", "x", "y"]
    assert tracker.started == 2


async def test_empty() -> None:
    assert await asynckit.gather(limit=2) == []
    assert await asynckit.gather(cancel_on_error=True) == []


async def test_return_exceptions() -> None:
    tracker = Tracker()
    results = await asynckit.gather(
        tracker.value(1), tracker.fail(ValueError("boom")), tracker.value(3),
        limit=1, return_exceptions=True,
    )  # fmt: skip
    assert results[0] == 1
    assert isinstance(results[1], ValueError)
    assert results[2] == 3


async def test_cancel_on_error_cancels_the_others_and_closes_unstarted() -> None:
    tracker = Tracker()
    gate = anyio.Event()
    unstarted = [tracker.value(i) for i in range(3)]
    with pytest.raises(ValueError, match="boom"):
        await asynckit.gather(
            tracker.wait_then(gate, "slow"),
            tracker.fail(ValueError("boom")),
            *unstarted,
            limit=2,
            cancel_on_error=True,
        )
    assert tracker.cancelled == 1
    assert tracker.running == 0
    assert [inspect.getcoroutinestate(c) for c in unstarted] == ["CORO_CLOSED"] * 3


async def test_cancel_on_error_keeps_every_error() -> None:
    tracker = Tracker()
    with pytest.raises(BaseExceptionGroup) as info:
        await asynckit.gather(
            tracker.fail(ValueError("first")),
            tracker.fail_on_cancel(KeyError("second")),
            cancel_on_error=True,
        )
    assert [type(e) for e in info.value.exceptions] == [ValueError, KeyError]


async def test_caller_cancellation_reaches_children_and_closes_unstarted() -> None:
    tracker = Tracker()
    gate = anyio.Event()
    unstarted = [tracker.value(i) for i in range(3)]
    with anyio.CancelScope() as scope:

        async def cancel_when_running() -> None:
            await tracker.wait_running(2)
            scope.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(cancel_when_running)
            await asynckit.gather(
                tracker.wait_then(gate, 1), tracker.wait_then(gate, 2), *unstarted, limit=2
            )
    assert scope.cancelled_caught
    assert tracker.cancelled == 2
    assert [inspect.getcoroutinestate(c) for c in unstarted] == ["CORO_CLOSED"] * 3


@pytest.mark.parametrize("limit", [0, -1])
async def test_limit_below_one(limit: int) -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(ValueError, match="'limit' must be at least 1"):
        asynckit.gather(coro, limit=limit)
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


@pytest.mark.parametrize("limit", [1.5, "3", True])
async def test_limit_not_an_int(limit: Any) -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(TypeError, match="'limit' must be a positive int or None"):
        asynckit.gather(coro, limit=limit)
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


async def test_non_awaitable_names_the_argument_and_closes_coroutines() -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(TypeError, match=r"gather\(\) argument 1 must be an awaitable.*int"):
        asynckit.gather(coro, 42)  # type: ignore[call-overload]
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


async def test_function_instead_of_coroutine_gets_a_hint() -> None:
    tracker = Tracker()
    with pytest.raises(TypeError, match=r"did you mean to call it \(value\(\.\.\.\)\)"):
        asynckit.gather(tracker.value)  # type: ignore[call-overload]


async def test_never_awaited_result_under_trio_closes_coroutines(anyio_backend_name: str) -> None:
    if anyio_backend_name != "trio":
        pytest.skip("asyncio's gather schedules its children at once")
    tracker = Tracker()
    coro = tracker.value(1)
    asynckit.gather(coro, limit=1)
    gc.collect()
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


async def test_trio_result_awaited_twice(anyio_backend_name: str) -> None:
    if anyio_backend_name != "trio":
        pytest.skip("trio only: asyncio futures can be awaited again")
    tracker = Tracker()
    pending = asynckit.gather(tracker.value(1))
    assert list(await pending) == [1]
    with pytest.raises(RuntimeError, match="already awaited"):
        await pending


async def test_first_error_without_cancel_on_error(anyio_backend_name: str) -> None:
    # asyncio leaves the other children running; trio cancels them (no unscoped tasks).
    tracker = Tracker()
    gate = anyio.Event()
    slow = tracker.wait_then(gate, "slow")
    with pytest.raises(ValueError, match="boom"):
        await asynckit.gather(slow, tracker.fail(ValueError("boom")), limit=2)
    if anyio_backend_name == "trio":
        assert tracker.cancelled == 1
    else:
        assert tracker.running == 1
        gate.set()
        await tracker.wait_finished(1)
