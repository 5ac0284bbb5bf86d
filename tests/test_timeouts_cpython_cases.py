"""CPython's test_timeouts cases, written for asynckit and run on every Python.

CPython ships ``test_timeouts`` from 3.11 (and test_timeouts_cpython.py runs it
against asynckit there). These are its cases that tests/test_timeouts*.py do not
already cover, on virtual time, so 3.10 checks the same guarantees.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

import asynckit
from tests._virtual_time import ASYNCIO_VIRTUAL_TIME_BACKENDS, VirtualTimeLoop


@pytest.fixture(params=ASYNCIO_VIRTUAL_TIME_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


class TestCPythonCases:
    """Named after the CPython tests they mirror."""

    async def test_timeout_at_basic(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.01
        with pytest.raises(TimeoutError):
            async with asynckit.timeout_at(deadline) as cm:
                await asyncio.sleep(10)
        assert cm.expired()
        assert cm.when() == deadline

    async def test_timeout_at_disabled(self) -> None:
        async with asynckit.timeout_at(None) as cm:
            await asyncio.sleep(0.01)
        assert not cm.expired()
        assert cm.when() is None

    async def test_timeout_exception_context(self) -> None:
        with pytest.raises(TimeoutError) as info:  # noqa: PT012
            async with asynckit.timeout(0.01):
                try:
                    1 / 0  # noqa: B018
                finally:
                    await asyncio.sleep(1)
        cause = info.value.__cause__
        assert isinstance(cause, asyncio.CancelledError)
        assert info.value.__context__ is cause
        assert isinstance(cause.__context__, ZeroDivisionError)

    async def test_foreign_exception_on_timeout(self) -> None:
        async def crash() -> None:
            try:
                await asyncio.sleep(1)
            finally:
                1 / 0  # noqa: B018

        with pytest.raises(ZeroDivisionError) as info:
            async with asynckit.timeout(0.01):
                await crash()
        context = info.value.__context__
        assert isinstance(context, TimeoutError)
        assert isinstance(context.__cause__, asyncio.CancelledError)
        assert context.__context__ is context.__cause__

    async def test_foreign_cancel_doesnt_timeout_if_not_expired(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        with pytest.raises(asyncio.CancelledError):  # noqa: PT012
            async with asynckit.timeout(10) as cm:
                task.cancel()
                await asyncio.sleep(10)
        assert not cm.expired()
        if sys.version_info >= (3, 11):
            task.uncancel()

    async def test_outer_task_is_not_cancelled(self) -> None:
        async def outer() -> None:
            with pytest.raises(TimeoutError):
                async with asynckit.timeout(0.001):
                    await asyncio.sleep(10)

        task = asyncio.create_task(outer())
        await task
        assert not task.cancelled()
        assert task.done()

    async def test_nested_timeouts_loop_busy(self) -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        t0 = loop.time()
        with pytest.raises(TimeoutError):  # noqa: PT012
            async with asynckit.timeout(0.1):
                with pytest.raises(TimeoutError):  # noqa: PT012
                    async with asynckit.timeout(0.01):
                        loop.advance(0.05)  # the loop is busy for a while
                        await asyncio.sleep(1)
                await asyncio.sleep(10)  # interrupted by the outer timeout
        assert loop.time() == pytest.approx(t0 + 0.1)

    async def test_reschedule_from_another_task(self) -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[asynckit.Timeout] = loop.create_future()
        deadline1 = loop.time() + 10
        deadline2 = deadline1 + 20

        async def f() -> None:
            async with asynckit.timeout_at(deadline1) as cm:
                fut.set_result(cm)
                await asyncio.sleep(50)

        task = asyncio.create_task(f())
        cm = await fut
        assert cm.when() == deadline1
        cm.reschedule(deadline2)
        assert cm.when() == deadline2
        cm.reschedule(None)
        assert cm.when() is None
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not cm.expired()

    async def test_nested_timeout_in_finally(self) -> None:
        errors: list[BaseException] = []
        with pytest.raises(TimeoutError) as info:  # noqa: PT012
            async with asynckit.timeout(0.01):
                try:
                    await asyncio.sleep(1)
                finally:
                    try:
                        async with asynckit.timeout(0.01):
                            await asyncio.sleep(10)
                    except TimeoutError as exc:
                        errors.append(exc)
        outer_cause = info.value.__cause__
        assert isinstance(outer_cause, asyncio.CancelledError)
        assert len(errors) == 1
        inner_cause = errors[0].__cause__
        assert isinstance(inner_cause, asyncio.CancelledError)
        assert inner_cause.__context__ is outer_cause

    async def test_timeout_after_swallowed_cancellation(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            task.cancel()
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            pass
        finally:
            with pytest.raises(TimeoutError):
                async with asynckit.timeout(0.0):
                    await asyncio.sleep(1)
        if sys.version_info >= (3, 11):
            assert task.uncancel() == 0

    async def test_cancel_in_timeout_after_swallowed_cancellation(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            task.cancel()
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            pass
        finally:
            with pytest.raises(asyncio.CancelledError):  # noqa: PT012
                async with asynckit.timeout(1.0):
                    task.cancel()
                    await asyncio.sleep(2)
        if sys.version_info >= (3, 11):
            assert task.uncancel() == 1
            assert task.uncancel() == 0
