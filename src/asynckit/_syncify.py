"""`syncify`: call an async function from sync code through a shared `LoopThread`."""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from asynckit._loopthread import LoopThread

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

P = ParamSpec("P")
T = TypeVar("T")

_default: LoopThread | None = None
_default_lock = threading.Lock()


def _default_loop_thread() -> LoopThread:
    """The shared `LoopThread`, started on first use (and closed at interpreter exit)."""
    global _default
    loop_thread = _default
    if loop_thread is None:
        with _default_lock:
            loop_thread = _default
            if loop_thread is None:
                loop_thread = LoopThread(name="asynckit-syncify")
                loop_thread.start()
                _default = loop_thread
    return loop_thread


def syncify(
    async_fn: Callable[P, Awaitable[T]], *, loop_thread: LoopThread | None = None
) -> Callable[P, T]:
    """Turn an async function into a blocking one that runs it on a `LoopThread`.

    By default every syncified function shares one asyncio `LoopThread`, started on the
    first call and closed when the interpreter exits, so connection pools and other
    loop-bound state created by one call are reused by the next. Each call blocks the
    calling thread until the coroutine finishes and returns its result or re-raises its
    exception. Keyword arguments are passed through.

    Example::

        @syncify
        async def fetch(url: str) -> bytes: ...

        body = fetch("https://example.com")  # from sync code

    Args:
        async_fn: The async function to wrap.
        loop_thread: Run on this (started) `LoopThread` instead of the shared one.

    Returns:
        A sync function with the same parameters.

    Raises:
        TypeError: ``async_fn`` is a coroutine object or not callable.

    .. versionadded:: 0.1.0
    """
    if not callable(async_fn):
        raise TypeError(
            f"syncify() expected an async function, got {async_fn!r}; pass the function "
            f"itself: syncify(fn), not syncify(fn())"
        )

    @functools.wraps(async_fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        target = loop_thread if loop_thread is not None else _default_loop_thread()
        if kwargs:
            return target.run(functools.partial(async_fn, *args, **kwargs))
        return target.run(async_fn, *args)

    return wrapper


def _reset_after_fork() -> None:
    global _default, _default_lock
    _default = None
    _default_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # pragma: no branch
    os.register_at_fork(after_in_child=_reset_after_fork)
