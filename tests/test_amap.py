"""``asynckit.amap`` on every backend: order, limits, laziness, failure, cancellation."""

from __future__ import annotations

import gc
import inspect
import io
import itertools
import sys
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import pytest

import asynckit
from tests._gather_helpers import Tracker

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator


def counting(n: int | None, pulled: list[int]) -> Iterator[int]:
    """An iterator that records how many items were pulled from it."""
    i = 0
    while n is None or i < n:
        pulled.append(i)
        yield i
        i += 1


async def test_ordered_results() -> None:
    tracker = Tracker()
    results = [r async for r in asynckit.amap(tracker.value, range(50), limit=4)]
    assert results == list(range(50))
    assert 1 <= tracker.peak <= 4


async def test_unordered_results() -> None:
    tracker = Tracker()
    results = [r async for r in asynckit.amap(tracker.value, range(50), limit=4, ordered=False)]
    assert sorted(results) == list(range(50))


async def test_empty_input() -> None:
    tracker = Tracker()
    empty: list[int] = []
    assert [r async for r in asynckit.amap(tracker.value, empty, limit=4)] == []


async def test_async_iterable_input() -> None:
    async def numbers() -> AsyncIterator[int]:
        for i in range(20):
            await anyio.lowlevel.checkpoint()
            yield i

    tracker = Tracker()
    results = [r async for r in asynckit.amap(tracker.value, numbers(), limit=3)]
    assert results == list(range(20))


async def test_limit_bounds_concurrency() -> None:
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        return await tracker.wait_then(gate, i)

    async with asynckit.amap(fn, range(10), limit=3) as results:
        collected: list[int] = []

        async def consume() -> None:
            collected.extend([r async for r in results])

        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await tracker.wait_running(3)
            await anyio.wait_all_tasks_blocked()
            assert tracker.running == 3
            gate.set()
    assert collected == list(range(10))
    assert tracker.peak == 3


async def test_slow_head_does_not_stop_new_work_within_the_window() -> None:
    # Item 0 blocks; the others run ahead until 2 * limit items are pulled.
    pulled: list[int] = []
    head = anyio.Event()
    tracker = Tracker()

    async def fn(i: int) -> int:
        if i == 0:
            return await tracker.wait_then(head, i)
        return await tracker.value(i)

    collected: list[int] = []
    async with asynckit.amap(fn, counting(None, pulled), limit=3) as results:

        async def consume() -> None:
            async for r in results:
                collected.append(r)
                if r == 10:
                    break

        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await tracker.wait_finished(5)
            await anyio.wait_all_tasks_blocked()
            # Window of 6 items: 0 (blocked) and 1-5 finished, nothing more pulled.
            assert len(pulled) == 6
            assert collected == []
            head.set()
    assert collected == list(range(11))


async def test_input_is_pulled_lazily() -> None:
    pulled: list[int] = []
    tracker = Tracker()
    async with asynckit.amap(tracker.value, counting(None, pulled), limit=2) as results:
        async for r in results:
            if r == 3:
                break
    # Bounded by what was yielded plus the window, not by the (endless) input.
    assert len(pulled) <= 4 + 4


async def test_fail_fast_cancels_in_flight_and_stops_pulling() -> None:
    pulled: list[int] = []
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        if i == 2:
            await tracker.wait_running(2)
            raise ValueError("boom")
        return await tracker.wait_then(gate, i)

    with pytest.raises(ValueError, match="boom"):
        async for _ in asynckit.amap(fn, counting(None, pulled), limit=3):
            pass
    assert tracker.cancelled == 2
    assert tracker.running == 0
    assert len(pulled) == 3


async def test_return_exceptions_yields_them_in_place() -> None:
    async def fn(i: int) -> int:
        await anyio.lowlevel.checkpoint()
        if i % 3 == 0:
            raise ValueError(i)
        return i

    results = [r async for r in asynckit.amap(fn, range(7), limit=2, return_exceptions=True)]
    assert [type(r) for r in results[:4]] == [ValueError, int, int, ValueError]
    assert results[1:3] == [1, 2]


async def test_per_item_timeout() -> None:
    async def fn(i: int) -> int:
        if i == 1:
            await anyio.sleep_forever()
        await anyio.lowlevel.checkpoint()
        return i

    results = [
        r async for r in asynckit.amap(fn, range(3), limit=3, timeout=0.25, return_exceptions=True)
    ]
    assert results[0] == 0
    assert isinstance(results[1], TimeoutError)
    assert results[2] == 2
    with pytest.raises(TimeoutError):
        async for _ in asynckit.amap(fn, range(3), limit=3, timeout=0.01):
            pass


async def test_max_per_second_spaces_the_starts() -> None:
    starts: list[float] = []

    async def fn(i: int) -> int:
        starts.append(anyio.current_time())
        return i

    results = [r async for r in asynckit.amap(fn, range(4), limit=4, max_per_second=50)]
    assert results == [0, 1, 2, 3]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Spaced by about 1/50 s. The slack covers uvloop's millisecond clock and timers
    # that fire up to a clock tick early; it is a lower bound only, never an upper one.
    assert all(gap >= 0.01 for gap in gaps), gaps


async def test_progress_callback() -> None:
    calls: list[tuple[int, int | None]] = []
    tracker = Tracker()
    async for _ in asynckit.amap(
        tracker.value, [1, 2, 3], limit=2, progress=lambda d, t: calls.append((d, t))
    ):
        pass
    assert calls == [(1, 3), (2, 3), (3, 3)]
    calls.clear()
    async for _ in asynckit.amap(
        tracker.value, iter([1, 2]), limit=2, progress=lambda d, t: calls.append((d, t))
    ):
        pass
    assert calls == [(1, None), (2, None)]


async def test_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    tracker = Tracker()
    results = [r async for r in asynckit.amap(tracker.value, range(5), limit=2, progress=True)]
    assert results == list(range(5))
    assert "5/5" in stderr.getvalue()


async def test_progress_bar_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    tracker = Tracker()
    with pytest.raises(ModuleNotFoundError, match=r"asynckit\[progress\]"):
        asynckit.amap(tracker.value, range(5), limit=2, progress=True)


async def test_async_with_early_exit_cancels_everything() -> None:
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        if i == 0:
            return i
        return await tracker.wait_then(gate, i)

    async with asynckit.amap(fn, range(100), limit=4) as results:
        async for r in results:
            assert r == 0
            await tracker.wait_running(4)
            break
    assert tracker.running == 0
    assert tracker.cancelled == 4


async def test_async_with_body_error_cancels_everything() -> None:
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        return await tracker.wait_then(gate, i)

    with pytest.raises(KeyError):  # noqa: PT012
        async with asynckit.amap(fn, range(100), limit=4):
            await tracker.wait_running(4)
            raise KeyError("body")
    assert tracker.running == 0


async def test_async_with_reports_error_after_break() -> None:
    gate = anyio.Event()
    tracker = Tracker()

    async def fn(i: int) -> int:
        if i == 0:
            return i
        await tracker.wait_then(gate, i)
        raise ValueError("late")

    with pytest.raises(ValueError, match="late"):  # noqa: PT012
        async with asynckit.amap(fn, range(2), limit=2) as results:
            async for _ in results:
                gate.set()
                await tracker.wait_finished(1)
                await anyio.wait_all_tasks_blocked()
                break


async def test_consumer_cancellation_cancels_workers() -> None:
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        return await tracker.wait_then(gate, i)

    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:

            async def cancel_later() -> None:
                await tracker.wait_running(3)
                scope.cancel()

            tg.start_soon(cancel_later)
            async for _ in asynckit.amap(fn, range(10), limit=3):
                pass
    assert scope.cancelled_caught
    assert tracker.running == 0
    assert tracker.cancelled == 3


async def test_plain_iteration_left_early_stops_workers_when_collected() -> None:
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        if i == 0:
            return i
        return await tracker.wait_then(gate, i)

    results = asynckit.amap(fn, range(100), limit=3)
    async for _ in results:
        await tracker.wait_running(3)
        break
    del results
    gc.collect()
    while tracker.running:
        await anyio.lowlevel.checkpoint()
    assert tracker.cancelled == 3


async def test_aclose() -> None:
    tracker = Tracker()
    gate = anyio.Event()

    async def fn(i: int) -> int:
        return await tracker.wait_then(gate, i)

    results = asynckit.amap(fn, range(10), limit=2)
    assert "limit=2" in repr(results)
    async with anyio.create_task_group() as tg:

        async def consume() -> None:
            async for _ in results:
                pass

        tg.start_soon(consume)
        await tracker.wait_running(2)
        await results.aclose()
    assert tracker.cancelled == 2
    # Exhausted after aclose: iterating again ends at once.
    assert [r async for r in results] == []


async def test_failing_input_iterator() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise OSError("disk")

    tracker = Tracker()
    with pytest.raises(OSError, match="disk"):
        async for _ in asynckit.amap(tracker.value, items(), limit=2):
            pass


async def test_fn_returning_a_non_awaitable() -> None:
    def double(i: int) -> int:
        return i * 2

    with pytest.raises(TypeError, match="returned int"):
        async for _ in asynckit.amap(double, range(3), limit=2):  # type: ignore[arg-type]
            pass
    results = [
        r
        async for r in asynckit.amap(
            double,  # type: ignore[arg-type]
            range(2),
            limit=2,
            return_exceptions=True,
        )
    ]
    assert all(isinstance(r, TypeError) for r in results)


async def test_fn_raising_type_error_is_not_blamed_on_the_result() -> None:
    async def fn(i: int) -> int:
        raise TypeError("mine")

    with pytest.raises(TypeError, match="mine"):
        async for _ in asynckit.amap(fn, range(3), limit=2, max_per_second=1000):
            pass


async def test_lambda_returning_coroutines_is_accepted() -> None:
    tracker = Tracker()
    results = [r async for r in asynckit.amap(lambda i: tracker.value(i), range(3), limit=2)]
    assert results == [0, 1, 2]


async def test_coroutine_object_instead_of_function() -> None:
    tracker = Tracker()
    coro = tracker.value(1)
    with pytest.raises(TypeError, match=r"not a coroutine object.*pass the function itself"):
        asynckit.amap(coro, range(3), limit=2)  # type: ignore[call-overload]
    assert inspect.getcoroutinestate(coro) == "CORO_CLOSED"


@pytest.mark.parametrize(
    ("fn", "message"),
    [(42, "must be an async function, not int"), (range, "generator function")],
)
async def test_bad_fn(fn: Any, message: str) -> None:
    def gen(i: int) -> Iterator[int]:
        yield i

    with pytest.raises(TypeError, match=message):
        asynckit.amap(gen if fn is range else fn, range(3), limit=2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"limit": 0}, ValueError, "'limit' must be at least 1"),
        ({"limit": 2.0}, TypeError, "'limit' must be a positive int"),
        ({"limit": 2, "max_per_second": 0}, ValueError, "'max_per_second' must be a positive"),
        ({"limit": 2, "max_per_second": -1.5}, ValueError, "'max_per_second'"),
        ({"limit": 2, "max_per_second": "1"}, TypeError, "'max_per_second' must be a positive"),
        ({"limit": 2, "max_per_second": True}, TypeError, "'max_per_second'"),
        ({"limit": 2, "timeout": 0}, ValueError, "'timeout' must be positive"),
        ({"limit": 2, "progress": 3}, TypeError, "'progress' must be a callable"),
    ],
)
async def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    tracker = Tracker()
    with pytest.raises(error, match=message):
        asynckit.amap(tracker.value, range(3), **kwargs)


async def test_not_iterable() -> None:
    tracker = Tracker()
    with pytest.raises(TypeError, match="'iterable' must be an iterable"):
        asynckit.amap(tracker.value, 42, limit=2)  # type: ignore[call-overload]


async def test_iteration_after_async_with_entry_started_it() -> None:
    tracker = Tracker()
    results = asynckit.amap(tracker.value, range(3), limit=2)
    assert await results.__anext__() == 0
    async with results:
        assert [r async for r in results] == [1, 2]


async def test_fn_returning_a_non_awaitable_with_a_timeout() -> None:
    def double(i: int) -> int:
        return i * 2

    with pytest.raises(TypeError, match="returned int"):
        async for _ in asynckit.amap(double, range(3), limit=2, timeout=5):  # type: ignore[arg-type]
            pass


async def test_awaitable_instead_of_function() -> None:
    class Awaitable:
        def __await__(self) -> Iterator[None]:
            yield None

    with pytest.raises(TypeError, match="not a coroutine object"):
        asynckit.amap(Awaitable(), range(3), limit=2)  # type: ignore[call-overload]


async def test_slow_consumer_bounds_what_is_pulled() -> None:
    pulled: list[int] = []
    tracker = Tracker()
    results = asynckit.amap(tracker.value, counting(None, pulled), limit=3, ordered=False)
    async with results:
        first = await results.__anext__()
        await anyio.wait_all_tasks_blocked()
        # The consumer holds one result; the others wait in the buffer: the
        # window (2 * limit) bounds how much was pulled.
        assert first in pulled
        assert len(pulled) <= 1 + 6


async def test_failure_stops_pulling_at_once() -> None:
    # Regression: with an eager task factory, workers created after the first one
    # failed (inside create_task) used to keep pulling input.
    pulled: list[int] = []

    async def fn(i: int) -> int:
        raise ValueError(i)

    with pytest.raises(ValueError, match="0"):
        async for _ in asynckit.amap(fn, counting(None, pulled), limit=5):
            pass
    assert pulled == [0]
