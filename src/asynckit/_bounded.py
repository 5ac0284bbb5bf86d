"""Argument checks and small helpers shared by the bounded concurrency functions.

``gather``, ``wait``, ``as_completed`` and ``amap`` validate their arguments the
same way and must never leave a coroutine they refuse un-awaited: every helper
that raises closes the coroutines it was given first.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from types import CoroutineType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

if sys.version_info >= (3, 11):  # pragma: no cover - depends on the interpreter
    from builtins import BaseExceptionGroup as BaseExceptionGroup
else:  # pragma: no cover - depends on the interpreter
    from exceptiongroup import (  # type: ignore[import-not-found,unused-ignore]
        BaseExceptionGroup as BaseExceptionGroup,
    )


def close_coroutines(items: Iterable[object]) -> None:
    """Close every coroutine object in *items* that has not finished.

    A coroutine that never started is closed without running any of its code, so
    Python does not warn that it was never awaited.
    """
    for item in items:
        if isinstance(item, CoroutineType):
            item.close()


def check_limit(limit: object, *, owner: str, refused: Iterable[object] = ()) -> None:
    """Raise if *limit* is not ``None`` or a positive ``int``.

    Args:
        limit: The value passed as ``limit=``.
        owner: The calling function's name, used in the message.
        refused: Awaitables the caller was given; their coroutines are closed
            before raising so none is left never-awaited.

    Raises:
        TypeError: *limit* is not an ``int`` (``bool`` is refused too).
        ValueError: *limit* is less than 1.
    """
    if limit is None:
        return
    if not isinstance(limit, int) or isinstance(limit, bool):
        close_coroutines(refused)
        raise TypeError(
            f"{owner}() argument 'limit' must be a positive int or None, "
            f"not {type(limit).__name__} ({limit!r})"
        )
    if limit < 1:
        close_coroutines(refused)
        raise ValueError(
            f"{owner}() argument 'limit' must be at least 1 (or None for no limit), got {limit!r}"
        )


def check_rate(max_per_second: object, *, owner: str) -> None:
    """Raise if *max_per_second* is not ``None`` or a positive finite number.

    Raises:
        TypeError: *max_per_second* is not a real number.
        ValueError: *max_per_second* is zero, negative, NaN or infinite.
    """
    if max_per_second is None:
        return
    if not isinstance(max_per_second, (int, float)) or isinstance(max_per_second, bool):
        raise TypeError(
            f"{owner}() argument 'max_per_second' must be a positive number or None, "
            f"not {type(max_per_second).__name__} ({max_per_second!r})"
        )
    if not 0 < max_per_second < float("inf"):
        raise ValueError(
            f"{owner}() argument 'max_per_second' must be a positive, finite number, "
            f"got {max_per_second!r}"
        )


def check_awaitables(aws: tuple[object, ...] | list[object], *, owner: str) -> None:
    """Raise ``TypeError`` naming the first argument of *aws* that is not awaitable.

    All coroutines in *aws* are closed before raising.
    """
    for position, aw in enumerate(aws):
        if type(aw) is CoroutineType or asyncio.isfuture(aw) or inspect.isawaitable(aw):
            continue
        close_coroutines(aws)
        hint = ""
        if callable(aw):
            hint = f"; did you mean to call it ({getattr(aw, '__name__', 'fn')}(...))?"
        raise TypeError(
            f"{owner}() argument {position} must be an awaitable (a coroutine, Task, "
            f"Future or object with __await__), not {type(aw).__name__} ({aw!r}){hint}"
        )


def is_trio_running() -> bool:
    """Whether the calling code runs inside trio (checked only when asyncio is not)."""
    if "trio" not in sys.modules:  # pragma: no cover - the test suite imports trio
        return False
    import trio

    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


def running_asyncio_loop() -> asyncio.AbstractEventLoop | None:
    """The running asyncio loop of this thread, or ``None`` (a cheap check)."""
    return asyncio._get_running_loop()


async def wait_finished(futures: Iterable[asyncio.Future[Any]]) -> None:
    """Wait until every future in *futures* is done, even through cancellation.

    The children were just cancelled and must not be left pending, so a
    cancellation of the caller while waiting does not stop the wait: it is
    re-raised once every child has finished. (anyio's cancel scopes re-deliver
    their cancellation at every checkpoint, so this wait can be cancelled many
    times; the first cancellation is the one re-raised.)
    """
    pending = {fut for fut in futures if not fut.done()}
    cancelled: BaseException | None = None
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            if cancelled is None:
                cancelled = exc
        pending = {fut for fut in pending if not fut.done()}
    if cancelled is not None:
        try:
            raise cancelled
        finally:
            del cancelled
