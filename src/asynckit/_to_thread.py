"""``to_thread``: run a blocking function in a worker thread and await its result.

On asyncio the call goes straight through the loop's default executor, as
``asyncio.to_thread`` does, so it costs about the same; on trio it goes through
``trio.to_thread.run_sync``. In both cases the function runs with a copy of the
caller's context variables and with a *link* (see ``_from_thread``) through which it
can check for cancellation and call back into the loop.

Cancellation (asyncio): if the work has not started, it never will and the caller
sees its ``CancelledError`` at once. If it is running, a thread cannot be
interrupted: the link records the request (``from_thread.check_cancelled()`` raises
it in the thread), the caller waits for the thread to finish, then re-raises its
cancellation; an exception the function raised instead of returning propagates in
its place, so it is never lost. The value a cancelled call would have returned is
dropped, as with every asyncio cancellation: returning it would swallow a
cancellation that an ``asyncio.timeout()`` or ``TaskGroup`` is waiting for.

On trio, ``trio.to_thread.run_sync(abandon_on_cancel=False)`` gives the level-triggered
equivalent: the result or exception is delivered and the cancellation is raised at
the caller's next checkpoint.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import sys
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar, overload

import sniffio

from asynckit._thread_work import FAILED, AsyncioThreadWork, TrioNativeWork, reraise

if sys.version_info >= (3, 11):
    from typing import TypeVarTuple, Unpack
else:
    from typing_extensions import TypeVarTuple, Unpack

if TYPE_CHECKING:
    from collections.abc import Callable

P = ParamSpec("P")
T = TypeVar("T")
PosArgsT = TypeVarTuple("PosArgsT")

_CO_COROUTINE_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class CapacityLimiterLike(Protocol):
    """What asynckit needs from a capacity limiter (``anyio.CapacityLimiter``, trio's)."""

    async def acquire_on_behalf_of(self, borrower: object) -> None:
        """Take a token for ``borrower``, waiting for one if none is free."""

    def release_on_behalf_of(self, borrower: object) -> None:
        """Give back the token ``borrower`` holds."""


def check_sync_callable(fn: object, api: str) -> None:
    """Reject what cannot run as a blocking function in a worker, with a hint."""
    code = getattr(fn, "__code__", None)
    if code is not None:
        if not code.co_flags & _CO_COROUTINE_FLAGS:
            return
    elif not callable(fn):
        raise TypeError(f"{api}() expects a callable as its first argument, got {fn!r}")
    elif not inspect.iscoroutinefunction(fn) and not inspect.isasyncgenfunction(fn):
        return
    raise TypeError(
        f"{api}() runs blocking (synchronous) functions, but {fn!r} is an async "
        "function: await it directly instead, or, to run it on another event loop, "
        f"pass a synchronous wrapper such as {api}(asyncio.run, coro_fn())"
    )


def check_limiter(limiter: object, api: str) -> CapacityLimiterLike | None:
    """Return ``limiter`` if it can bound threads (or is ``None``), else raise a clear error."""
    if limiter is None or (
        callable(getattr(limiter, "acquire_on_behalf_of", None))
        and callable(getattr(limiter, "release_on_behalf_of", None))
    ):
        return limiter  # type: ignore[return-value]
    raise TypeError(
        f"{api}() argument 'limiter' must be a capacity limiter such as "
        f"anyio.CapacityLimiter(4), got {limiter!r}; {api}() keeps the keyword 'limiter' "
        f"for itself: to pass one to the function, use functools.partial(fn, limiter=...)"
    )


def running_trio() -> bool:
    """Whether the current task is trio's (sniffio's answer, without sniffing asyncio)."""
    name = sniffio.thread_local.name
    if name is None:
        name = sniffio.current_async_library_cvar.get()
    return name == "trio"


async def run_in_thread(
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limiter: CapacityLimiterLike | None,
) -> T:
    """Run ``fn(*args, **kwargs)`` in the backend's default worker threads."""
    if running_trio():
        import trio

        return await trio.to_thread.run_sync(
            TrioNativeWork(fn, args, kwargs, None),
            limiter=limiter,  # type: ignore[arg-type]
        )
    loop = asyncio.get_running_loop()
    work = AsyncioThreadWork(fn, args, kwargs, contextvars.copy_context(), loop)
    if limiter is not None:
        await limiter.acquire_on_behalf_of(work)
    try:
        result = await loop.run_in_executor(None, work)
    except asyncio.CancelledError as cancel:
        await work.cancelled(cancel)
    finally:
        if limiter is not None:
            limiter.release_on_behalf_of(work)
    if result is FAILED:
        reraise(work)
    return result


@overload
async def to_thread(
    fn: Callable[[Unpack[PosArgsT]], T],
    /,
    *args: Unpack[PosArgsT],
    limiter: CapacityLimiterLike | None,
) -> T: ...


@overload
async def to_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


# mypy cannot match a TypeVarTuple overload's arguments against ``*args: Any``
# (it reports "does not accept all possible parameters of signature 1"); pyright can.
async def to_thread(  # type: ignore[misc]
    fn: Callable[..., T],
    /,
    *args: Any,
    limiter: Any = None,
    **kwargs: Any,
) -> T:
    """Run a blocking function in a worker thread and await its result.

    A drop-in for `asyncio.to_thread` that also runs on trio: keyword arguments
    are passed through and context variables are copied into the thread. The
    function can call [`asynckit.from_thread.check_cancelled`][] to stop early
    when the caller is cancelled, and [`asynckit.from_thread.run`][] to run async
    code back on the caller's loop.

    ``limiter=`` (an `anyio.CapacityLimiter`, or trio's) bounds how many calls
    run at once; a call holds its token until its thread has finished. It is
    the one keyword ``to_thread`` keeps for itself: type checkers accept it with
    positional arguments for ``fn`` only, so pass ``fn``'s keyword arguments
    through `functools.partial` when you also give a limiter (and a keyword
    argument of ``fn`` that happens to be called ``limiter`` the same way).

    On cancellation, work that has not started is withdrawn; running work is told
    through `from_thread.check_cancelled()` and waited for, so a cancelled call
    never returns before its thread has finished. On asyncio the call then raises
    the cancellation (or the exception the function raised, which is never lost);
    on trio it returns the outcome and the cancellation is raised at the next
    checkpoint, as with `trio.to_thread.run_sync`.

    Args:
        fn: The blocking function to call.
        *args: Positional arguments for ``fn``.
        limiter: A capacity limiter bounding how many calls run at once, or
            ``None`` (the default) for no bound beyond the executor's threads.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        What ``fn(*args, **kwargs)`` returned.

    Raises:
        TypeError: If ``fn`` is an async function (or returns an awaitable) or is not
            callable, or ``limiter`` is not a capacity limiter.
        Exception: Whatever ``fn`` raised.

    Example:
        ```pycon
        >>> await asynckit.to_thread(open("data.bin", "rb").read)
        >>> await asynckit.to_thread(resize, image, 640, limiter=anyio.CapacityLimiter(4))
        ```

    .. versionadded:: 0.1.0
    """
    check_sync_callable(fn, "to_thread")
    if limiter is not None or running_trio():
        return await run_in_thread(fn, args, kwargs, check_limiter(limiter, "to_thread"))
    # The common case inline: this is asyncio.to_thread's hot path.
    loop = asyncio.get_running_loop()
    work = AsyncioThreadWork(fn, args, kwargs, contextvars.copy_context(), loop)
    try:
        result = await loop.run_in_executor(None, work)
    except asyncio.CancelledError as cancel:
        await work.cancelled(cancel)
    if result is FAILED:
        reraise(work)
    return result
