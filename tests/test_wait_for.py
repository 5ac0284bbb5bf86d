"""wait_for: 3.12+ semantics on every Python, on asyncio and trio, on virtual time."""

from __future__ import annotations

import asyncio
import gc
import math
from typing import Any

import anyio
import pytest

import asynckit
from tests._virtual_time import ASYNCIO_VIRTUAL_TIME_BACKENDS, VIRTUAL_TIME_BACKENDS


@pytest.fixture(params=VIRTUAL_TIME_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


async def slow(seconds: float, value: str = "done") -> str:
    await anyio.sleep(seconds)
    return value


async def test_result_before_timeout() -> None:
    assert await asynckit.wait_for(slow(1), 5) == "done"
    assert await asynckit.wait_for(slow(1), None) == "done"


async def test_timeout_raises_builtin_timeout_error() -> None:
    start = anyio.current_time()
    with pytest.raises(TimeoutError):
        await asynckit.wait_for(slow(3600), 5)
    assert anyio.current_time() == pytest.approx(start + 5)


async def test_zero_timeout_with_coroutine() -> None:
    with pytest.raises(TimeoutError):
        await asynckit.wait_for(slow(1), 0)


async def test_bad_timeout_closes_the_coroutine() -> None:
    coro = slow(1)
    with pytest.raises(ValueError, match=r"wait_for\(\): delay must not be NaN"):
        await asynckit.wait_for(coro, math.nan)
    with pytest.raises(RuntimeError, match="cannot reuse already awaited coroutine"):
        coro.send(None)
    coro2 = slow(1)
    with pytest.raises(TypeError, match="real number"):
        await asynckit.wait_for(coro2, "1")  # type: ignore[arg-type]
    gc.collect()


async def test_caller_cancellation_propagates() -> None:
    with anyio.CancelScope() as scope:
        scope.cancel()
        await asynckit.wait_for(slow(10), 5)
    assert scope.cancelled_caught


class TestAsyncioOnly:
    @pytest.fixture(params=ASYNCIO_VIRTUAL_TIME_BACKENDS)
    def anyio_backend(self, request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
        backend: tuple[str, dict[str, Any]] = request.param
        return backend

    @pytest.mark.parametrize("first", ["result", "timeout"])
    async def test_wait_for_keeps_result_ready_at_timeout(self, first: str) -> None:
        # python/cpython#86296: before 3.12, asyncio.wait_for wrapped a coroutine
        # in a task of its own; when that task finished in the same loop
        # iteration as the deadline, the result was dropped with the task. Here
        # the coroutine runs in the caller: it either returns its result or
        # never produced one.
        loop = asyncio.get_running_loop()
        gate: asyncio.Future[str] = loop.create_future()
        produced: list[str] = []

        async def inner() -> str:
            value = await gate
            produced.append(value)
            return value

        task = asyncio.create_task(asynckit.wait_for(inner(), 5))
        await asyncio.sleep(0)
        when = loop.time() + 5

        def finish() -> None:
            if not gate.done():
                gate.set_result("result")

        if first == "result":
            loop.call_at(when - 1e-6, finish)
        else:
            loop.call_at(when + 1e-6, finish)
        try:
            result = await task
        except TimeoutError:
            assert produced == []
        else:
            assert result == "result"
            assert produced == ["result"]

    async def test_wait_for_returns_value_of_task_that_suppressed_cancel(self) -> None:
        async def stubborn() -> int:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                return 42
            return 0  # pragma: no cover

        assert await asynckit.wait_for(stubborn(), 1) == 42

    async def test_done_future_with_zero_timeout_returns_result(self) -> None:
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        fut.set_result(7)
        assert await asynckit.wait_for(fut, 0) == 7

    async def test_zero_timeout_task_that_ignores_cancel_returns_value(self) -> None:
        async def stubborn() -> int:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                await asyncio.sleep(1)
                return 5
            return 0  # pragma: no cover

        task = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        assert await asynckit.wait_for(task, 0) == 5

    async def test_outside_cancel_during_zero_timeout_cancel_wait(self) -> None:
        release = asyncio.Event()

        async def slow_to_cancel() -> None:
            try:
                await asyncio.sleep(10)
            finally:
                await release.wait()

        inner = asyncio.create_task(slow_to_cancel())
        await asyncio.sleep(0)
        outer = asyncio.create_task(asynckit.wait_for(inner, 0))
        await asyncio.sleep(1)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await inner

    async def test_caller_cancel_never_swallowed_when_inner_finishes(self) -> None:
        # python/cpython#86296 / #107547: the caller is cancelled just as the
        # inner task completes; the caller must still see CancelledError
        # at its next checkpoint if wait_for returns.
        loop = asyncio.get_running_loop()
        inner: asyncio.Future[str] = loop.create_future()
        reached = []

        async def caller() -> None:
            await asynckit.wait_for(inner, 100)
            await asyncio.sleep(1)
            reached.append(True)  # pragma: no cover

        task = asyncio.create_task(caller())
        await asyncio.sleep(0)
        inner.set_result("x")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not reached


class TestAsyncioEdges:
    @pytest.fixture(params=ASYNCIO_VIRTUAL_TIME_BACKENDS)
    def anyio_backend(self, request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
        backend: tuple[str, dict[str, Any]] = request.param
        return backend

    async def test_bad_timeout_with_future_leaves_it_alone(self) -> None:
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        with pytest.raises(ValueError, match="NaN"):
            await asynckit.wait_for(fut, math.nan)
        assert not fut.done()
        fut.cancel()

    async def test_inner_finishing_as_caller_is_cancelled_during_zero_timeout(self) -> None:
        release = asyncio.Event()

        async def slow_to_cancel() -> None:
            try:
                await asyncio.sleep(10)
            finally:
                await release.wait()

        inner = asyncio.create_task(slow_to_cancel())
        await asyncio.sleep(0)
        outer = asyncio.create_task(asynckit.wait_for(inner, 0))
        await asyncio.sleep(1)
        release.set()  # inner finishes in the same iteration as...
        outer.cancel()  # ...the caller's cancellation
        with pytest.raises(asyncio.CancelledError):
            await outer
        with pytest.raises(asyncio.CancelledError):
            await inner
