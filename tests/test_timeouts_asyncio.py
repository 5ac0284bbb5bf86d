"""asyncio-specific guarantees of asynckit's timeouts: whose cancellation is whose.

These pin the races asyncio.timeout / async_timeout get wrong (on some Pythons):
an outside ``Task.cancel()`` arriving before, with or after the deadline must
propagate as CancelledError; ``uncancel()`` stays balanced.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from typing import Any

import pytest

import asynckit
from tests._backends import ASYNCIO_BACKENDS
from tests._virtual_time import ASYNCIO_VIRTUAL_TIME_BACKENDS

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]


@pytest.fixture(params=ASYNCIO_VIRTUAL_TIME_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


def cancelling(task: asyncio.Task[Any]) -> int:
    if sys.version_info >= (3, 11):
        return task.cancelling()
    return 0  # pragma: no cover - nothing to balance before 3.11


async def test_pending_cancel_is_not_swallowed_by_zero_timeout() -> None:
    # python/cpython#134471
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asynckit.timeout(0) as cm:
            await asyncio.sleep(1)
    assert cm.expired()
    assert not cm.cancelled_caught
    if sys.version_info >= (3, 11):
        assert task.uncancel() == 0


async def test_pending_cancel_with_positive_timeout_firing_during_cleanup() -> None:
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):  # noqa: PT012
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                await asyncio.sleep(5)  # the deadline passes here
    if sys.version_info >= (3, 11):
        assert task.uncancel() == 0


async def test_uncancel_is_balanced_after_timeout() -> None:
    task = asyncio.current_task()
    assert task is not None
    for _ in range(3):
        with pytest.raises(TimeoutError):
            async with asynckit.timeout(1):
                await asyncio.sleep(10)
        async with asynckit.move_on_after(1):
            await asyncio.sleep(10)
        assert cancelling(task) == 0


@pytest.mark.parametrize("order", ["cancel-first", "timeout-first"])
async def test_outside_cancel_in_same_iteration_as_deadline(order: str) -> None:
    # Both land in the same event-loop iteration, in the given order.
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()
    scopes: list[asynckit.Timeout] = []

    async def victim() -> None:
        async with asynckit.timeout(100) as cm:
            scopes.append(cm)
            entered.set()
            await asyncio.sleep(1000)

    task = asyncio.create_task(victim())
    await entered.wait()
    await asyncio.sleep(1)
    if order == "cancel-first":
        loop.call_soon(task.cancel)
        scopes[0].reschedule(loop.time())
    else:
        scopes[0].reschedule(loop.time())
        loop.call_soon(task.cancel)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert scopes[0].expired()
    assert not scopes[0].cancelled_caught


async def test_outside_cancel_during_cleanup_after_timeout() -> None:
    cleanup_started = asyncio.Event()

    async def victim() -> None:
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                cleanup_started.set()
                await asyncio.sleep(10)

    task = asyncio.create_task(victim())
    await cleanup_started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_outside_cancel_during_cleanup_with_bare_yields() -> None:
    cleanup_started = asyncio.Event()

    async def victim() -> None:
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                cleanup_started.set()
                for _ in range(3):
                    await asyncio.sleep(0)
                await asyncio.sleep(10)

    task = asyncio.create_task(victim())
    await cleanup_started.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_nested_timeout_firing_in_cleanup_keeps_outer_timeout() -> None:
    inner_errors = []
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                try:
                    async with asynckit.timeout(1):
                        await asyncio.sleep(10)
                except TimeoutError as exc:
                    inner_errors.append(exc)
    assert len(inner_errors) == 1


async def test_cancellation_swallowed_by_block_is_not_timeout() -> None:
    async with asynckit.timeout(1) as cm:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass
    assert cm.expired()
    assert not cm.cancelled_caught


async def test_group_of_cancellations_is_a_timeout() -> None:
    with pytest.raises(TimeoutError) as info:  # noqa: PT012
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError as exc:
                raise BaseExceptionGroup("children", [exc, asyncio.CancelledError()]) from None
    assert isinstance(info.value.__cause__, BaseExceptionGroup)
    async with asynckit.move_on_after(1) as scope:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError as exc:
            raise BaseExceptionGroup("children", [exc]) from None
    assert scope.cancelled_caught


async def test_group_with_errors_gets_timeout_context() -> None:
    with pytest.raises(BaseExceptionGroup) as info:  # noqa: PT012
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                raise BaseExceptionGroup("g", [KeyError("cleanup"), KeyboardInterrupt()])
    group = info.value
    assert isinstance(group.__context__, TimeoutError)
    assert isinstance(group.__context__.__cause__, asyncio.CancelledError)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is 3.11+")
async def test_asyncio_task_group_inside_timeout() -> None:
    async def forever() -> None:
        await asyncio.sleep(math.inf)

    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1), asyncio.TaskGroup() as tg:  # type: ignore[attr-defined,unused-ignore]
            tg.create_task(forever())
            await forever()
    task = asyncio.current_task()
    assert task is not None
    assert cancelling(task) == 0


async def test_infinite_deadline_schedules_nothing() -> None:
    async with asynckit.timeout(math.inf) as cm:
        assert cm.when() == math.inf
        await asyncio.sleep(3600)
        cm.reschedule(math.inf)
    assert not cm.expired()


async def test_enter_outside_task() -> None:
    loop = asyncio.get_running_loop()
    cm = asynckit.timeout(1)
    done: asyncio.Future[BaseException] = loop.create_future()

    def enter() -> None:
        coro = cm.__aenter__()
        try:
            coro.send(None)
        except BaseException as exc:
            done.set_result(exc)

    loop.call_soon(enter)
    exc = await done
    assert isinstance(exc, RuntimeError)
    assert "inside a task" in str(exc)


async def test_timeout_context_is_inserted_deep_in_the_chain() -> None:
    # As CPython 3.13's test_foreign_exception_on_timeout_2, on every version.
    with pytest.raises(ZeroDivisionError) as info:  # noqa: PT012
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                try:
                    raise KeyError("cleanup")
                finally:
                    1 / 0  # noqa: B018
    key_error = info.value.__context__
    assert isinstance(key_error, KeyError)
    assert isinstance(key_error.__context__, TimeoutError)
    assert isinstance(key_error.__context__.__cause__, asyncio.CancelledError)


async def test_number_types() -> None:
    from decimal import Decimal

    loop = asyncio.get_running_loop()
    async with asynckit.timeout(Decimal("1.5")) as cm:  # type: ignore[arg-type]
        assert cm.when() == pytest.approx(loop.time() + 1.5)
    with pytest.raises(TypeError, match=r"timeout\(\): delay must be a real number"):
        asynckit.timeout(True)
    with pytest.raises(TypeError, match=r"move_on_after\(\): delay must be a real number"):
        asynckit.move_on_after(False)
    with pytest.raises(TypeError, match=r"move_on_after\(\): delay must be a real number"):
        asynckit.move_on_after([1])  # type: ignore[arg-type]


async def test_outside_cancel_handled_in_cleanup_then_reraised() -> None:
    cleanup_started = asyncio.Event()

    async def victim() -> None:
        async with asynckit.timeout(1):
            try:
                await asyncio.sleep(10)
            finally:
                cleanup_started.set()
                try:
                    await asyncio.sleep(10)  # the outside cancellation lands here
                except asyncio.CancelledError:
                    await asyncio.sleep(0)  # e.g. report it, then re-raise
                    raise

    task = asyncio.create_task(victim())
    await cleanup_started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_virtual_clock_jumps_to_the_next_timer() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    real_start = time.monotonic()
    await asyncio.sleep(3600)
    assert loop.time() == pytest.approx(start + 3600)
    assert time.monotonic() - real_start < 3600


async def test_timeout_around_awaiting_another_task() -> None:
    # On 3.10 the cancellation's marker is lost crossing the task boundary; the
    # scope must still recognise its own cancellation.
    inner = asyncio.create_task(asyncio.sleep(10))
    with pytest.raises(TimeoutError):
        async with asynckit.timeout(1):
            await inner
    assert inner.cancelled()
    with pytest.raises(TimeoutError):
        async with asynckit.timeout(1):
            await asyncio.gather(asyncio.sleep(10), asyncio.sleep(20))


async def test_outside_cancel_of_awaited_task_is_not_a_timeout() -> None:
    loop = asyncio.get_running_loop()
    inner = asyncio.create_task(asyncio.sleep(10))
    loop.call_later(1, inner.cancel)
    with pytest.raises(asyncio.CancelledError):
        async with asynckit.timeout(5) as cm:
            await inner
    assert not cm.expired()


class TestEveryLoopFlavour:
    """Checks that need no clock, on every asyncio flavour (uvloop included)."""

    @pytest.fixture(params=ASYNCIO_BACKENDS)
    def anyio_backend(self, request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
        backend: tuple[str, dict[str, Any]] = request.param
        return backend

    async def test_zero_timeout_fires_at_first_checkpoint(self) -> None:
        with pytest.raises(TimeoutError):
            async with asynckit.timeout(0):
                await asyncio.sleep(0)
        async with asynckit.move_on_after(-1) as scope:
            await asyncio.sleep(0)
        assert scope.cancelled_caught

    async def test_pending_cancel_propagates_through_zero_timeout(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            async with asynckit.timeout(0):
                await asyncio.sleep(0)
        if sys.version_info >= (3, 11):
            assert task.uncancel() == 0

    async def test_reschedule_to_now(self) -> None:
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):  # noqa: PT012
            async with asynckit.timeout(3600) as cm:
                cm.reschedule(loop.time())
                await asyncio.Event().wait()
        assert cm.expired()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+")
class TestMixedWithAsyncioTimeout:
    """asynckit's and asyncio's timeouts count cancellations the same way."""

    async def test_asyncio_timeout_inside_asynckit_timeout(self) -> None:
        async with asynckit.timeout(100) as outer:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(1):  # type: ignore[attr-defined,unused-ignore]
                    await asyncio.sleep(10)
        assert not outer.expired()

    async def test_asynckit_timeout_inside_asyncio_timeout(self) -> None:
        inner_saw: list[type[BaseException]] = []
        with pytest.raises(TimeoutError):  # noqa: PT012
            async with asyncio.timeout(1):  # type: ignore[attr-defined,unused-ignore]
                try:
                    async with asynckit.timeout(100):
                        await asyncio.sleep(10)
                except BaseException as exc:
                    inner_saw.append(type(exc))
                    raise
        assert inner_saw == [asyncio.CancelledError]
        task = asyncio.current_task()
        assert task is not None
        assert cancelling(task) == 0
