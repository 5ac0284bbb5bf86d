"""`wait_for`: `asyncio.wait_for` with Python 3.12+ semantics on every version.

Before 3.12, ``asyncio.wait_for`` wrapped its awaitable in a task and raced a
timer against it. That lost results that completed as the timer fired
(python/cpython#86296), could swallow a cancellation of the caller
(python/cpython#107547 and friends) and cost a task per call. Since 3.12 it is
``async with timeout(t): return await aw``; this is that, built on asynckit's
`timeout`, so it has the same guarantees on 3.10 and 3.11 and also runs on trio.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, TypeVar

from asynckit._timeout_asyncio import AsyncioTimeout
from asynckit._timeouts import _asyncio_deadline, _asyncio_loop, _make_after

if TYPE_CHECKING:
    from collections.abc import Awaitable

_T = TypeVar("_T")


async def wait_for(fut: Awaitable[_T], timeout: float | None) -> _T:
    """Wait for *fut* to complete, with a timeout; a drop-in for `asyncio.wait_for`.

    If *fut* is a coroutine it runs in the calling task (no task is created);
    a future or task is awaited. If the timeout expires, *fut* is cancelled, the
    call waits for it to finish cancelling and raises `TimeoutError`.

    Unlike ``asyncio.wait_for`` before Python 3.12, it never swallows a
    cancellation of the caller and never loses a result that was ready when the
    timeout fired: a result that arrives is returned (python/cpython#86296,
    #107547). On trio, *fut* must be awaitable there (a coroutine).

    Args:
        fut: A coroutine, task, future or other awaitable.
        timeout: Seconds to wait; ``None`` waits forever. Zero or less cancels
            *fut* at once unless it is already done (its result is returned).

    Returns:
        The result of *fut*.

    Raises:
        TimeoutError: If the timeout expired before *fut* finished.
        TypeError: If *timeout* is not a real number or ``None``.
        ValueError: If *timeout* is NaN.
        Exception: Whatever *fut* raises.

    .. versionadded:: 0.1.0
    """
    loop = _asyncio_loop()
    if loop is None:
        try:
            scope = _make_after(timeout, "wait_for", quiet=False)
        except BaseException:
            _close(fut)
            raise
        async with scope:
            return await fut
        raise AssertionError("unreachable")  # pragma: no cover - async with may swallow
    try:
        when = _asyncio_deadline(loop, timeout, "wait_for")
    except BaseException:
        _close(fut)
        raise
    if when is not None and timeout <= 0:  # type: ignore[operator]
        inner = asyncio.ensure_future(fut, loop=loop)
        if inner.done():
            return inner.result()
        await _cancel_and_wait(inner, loop)
        try:
            return inner.result()
        except asyncio.CancelledError as exc:
            raise TimeoutError from exc
    async with AsyncioTimeout(when, loop):
        return await fut
    raise AssertionError("unreachable")  # pragma: no cover - async with may swallow


def _close(fut: object) -> None:
    # A coroutine we refuse is closed, so it does not warn "never awaited".
    if inspect.iscoroutine(fut):
        fut.close()


async def _cancel_and_wait(fut: asyncio.Future[Any], loop: asyncio.AbstractEventLoop) -> None:
    # Waits on a separate future so that this wait itself stays cancellable
    # even if *fut* ignores its cancellation.
    waiter = loop.create_future()

    def release(_: object) -> None:
        if not waiter.done():
            waiter.set_result(None)

    fut.add_done_callback(release)
    try:
        fut.cancel()
        await waiter
    finally:
        fut.remove_done_callback(release)
