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
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, ParamSpec, Protocol, TypeVar

import anyio
import sniffio

from asynckit._from_thread import Link, current_link

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

P = ParamSpec("P")
T = TypeVar("T")

_CO_COROUTINE_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


class CapacityLimiterLike(Protocol):
    """What asynckit needs from a capacity limiter (``anyio.CapacityLimiter``, trio's)."""

    async def acquire_on_behalf_of(self, borrower: object) -> None:
        """Take a token for ``borrower``, waiting for one if none is free."""

    def release_on_behalf_of(self, borrower: object) -> None:
        """Give back the token ``borrower`` holds."""


# What a worker returns when the function raised (the exception is kept aside).
FAILED: Any = object()


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


def returned_coroutine(fn: object, value: Coroutine[Any, Any, Any]) -> TypeError:
    """The error for a function that returned a coroutine instead of a result."""
    value.close()
    return TypeError(
        f"{fn!r} returned {type(value).__name__} object {value!r} instead of a result: "
        "it is an async function in disguise (a lambda, partial or callable object "
        "returning a coroutine); await it directly instead"
    )


class ThreadWork(Link, Generic[T]):
    """One call of a blocking function in a worker thread, and its link.

    Subclasses add what each backend needs to notice cancellation and completion.
    """

    __slots__ = ("args", "context", "exception", "fn", "kwargs")

    def __init__(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: contextvars.Context | None,
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.context = context
        self.exception: BaseException | None = None
        if context is not None:
            context.run(current_link.set, self)

    def call(self) -> T:
        """Call the function in the worker thread.

        With a ``context`` (which the caller gave this link), the function runs in
        it; without one it runs in the thread's current context (trio's copy of the
        caller's), where this link is installed first.
        """
        if self.context is None:
            current_link.set(self)
            result = self.fn(*self.args, **self.kwargs)
        else:
            result = self.context.run(self.fn, *self.args, **self.kwargs)
        if isinstance(result, CoroutineType):
            raise returned_coroutine(self.fn, result)
        return result

    def take_exception(self) -> BaseException | None:
        """Return the exception the function raised, forgetting it (no reference cycle)."""
        exc, self.exception = self.exception, None
        return exc

    def reraise(self) -> NoReturn:
        """Raise the exception the function raised."""
        exc = self.take_exception()
        assert exc is not None
        try:
            raise exc
        finally:
            del exc


class AsyncioLink(Link):
    """The link of work whose caller is an asyncio task."""

    __slots__ = ("cancel_requested", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.cancel_requested = False

    def check_cancelled(self) -> None:
        if self.cancel_requested:
            raise asyncio.CancelledError("the task waiting for this thread was cancelled")

    def run(self, async_fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> Any:
        async def runner() -> Any:
            return await async_fn(*args)

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result()

    def run_sync(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        import concurrent.futures

        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def callback() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:
                future.set_exception(exc)
                del exc

        self.loop.call_soon_threadsafe(callback)
        return future.result()


class AsyncioThreadWork(AsyncioLink, Generic[T]):
    """One call in a thread of the loop's default executor, for an asyncio task.

    ``loop.run_in_executor()`` does not expose the ``concurrent.futures.Future``, so
    the work tracks its own progress. ``started`` (set by the thread) and
    ``cancel_requested`` (set by the loop) are each written before the other side's
    is read, so once the loop has seen ``started`` false after requesting
    cancellation, the thread is certain to see the request and skip the function.
    """

    __slots__ = ("args", "context", "done", "exception", "fn", "kwargs", "started", "waiter")

    def __init__(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: contextvars.Context,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.context = context
        self.exception: BaseException | None = None
        self.loop = loop
        self.started = False
        self.cancel_requested = False
        self.done = False
        self.waiter: asyncio.Future[None] | None = None
        context.run(current_link.set, self)

    def __call__(self) -> T:
        self.started = True
        try:
            if self.cancel_requested:
                raise asyncio.CancelledError("cancelled before the worker thread started it")
            result = self.context.run(self.fn, *self.args, **self.kwargs)
            if isinstance(result, CoroutineType):
                raise returned_coroutine(self.fn, result)
            return result
        except BaseException as exc:
            self.exception = exc
            return FAILED  # type: ignore[no-any-return]
        finally:
            self.done = True
            if self.cancel_requested:
                try:
                    self.loop.call_soon_threadsafe(self._wake)
                except RuntimeError:  # pragma: no cover - the loop closed meanwhile
                    pass

    def take_exception(self) -> BaseException | None:
        """Return the exception the function raised, forgetting it (no reference cycle)."""
        exc, self.exception = self.exception, None
        return exc

    def reraise(self) -> NoReturn:
        """Raise the exception the function raised."""
        exc = self.take_exception()
        assert exc is not None
        try:
            raise exc
        finally:
            del exc

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def cancelled(self, cancel: asyncio.CancelledError) -> NoReturn:
        """Map the caller's cancellation onto the thread; always raises.

        If the function has not started, it never will and ``cancel`` is raised at
        once. Otherwise the thread is told (``check_cancelled()`` raises in it) and
        waited for, however many times the caller is cancelled meanwhile; then
        ``cancel`` is raised, or the function's own exception if it raised one.
        """
        self.cancel_requested = True
        if not self.started:
            raise cancel
        # The shield stops anyio's cancel scopes from re-delivering their cancellation
        # on every loop iteration; plain task.cancel() calls are absorbed below.
        with anyio.CancelScope(shield=True):
            while not self.done:
                self.waiter = self.loop.create_future()
                try:
                    await self.waiter
                except asyncio.CancelledError:
                    pass  # already cancelled; the thread must finish first
        self.waiter = None
        exc = self.take_exception()
        if exc is None or isinstance(exc, asyncio.CancelledError):
            raise cancel
        try:
            raise exc
        finally:
            del exc


class TrioThreadWork(ThreadWork[T]):
    """Thread work for a trio task, run by an arbitrary executor's thread.

    The waiting task registers trio's ``raise_cancel`` here when its cancellation
    cannot withdraw the work, which is what ``check_cancelled()`` then raises.
    """

    __slots__ = ("raise_cancel", "token")

    def __init__(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: contextvars.Context | None,
        token: Any,
    ) -> None:
        super().__init__(fn, args, kwargs, context)
        self.token = token
        self.raise_cancel: Callable[[], NoReturn] | None = None

    def __call__(self) -> T:
        try:
            return self.call()
        except BaseException as exc:
            self.exception = exc
            return FAILED  # type: ignore[no-any-return]

    def check_cancelled(self) -> None:
        raise_cancel = self.raise_cancel
        if raise_cancel is not None:
            raise_cancel()

    def run(self, async_fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> Any:
        import trio

        return trio.from_thread.run(async_fn, *args, trio_token=self.token)

    def run_sync(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        import trio

        return trio.from_thread.run_sync(fn, *args, trio_token=self.token)


class TrioNativeWork(ThreadWork[T]):
    """Thread work run by ``trio.to_thread.run_sync``, which copies the context itself."""

    __slots__ = ()

    def __call__(self) -> T:
        return self.call()

    def check_cancelled(self) -> None:
        import trio

        trio.from_thread.check_cancelled()

    def run(self, async_fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...]) -> Any:
        import trio

        return trio.from_thread.run(async_fn, *args)

    def run_sync(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        import trio

        return trio.from_thread.run_sync(fn, *args)


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
        work.reraise()
    return result


async def to_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking function in a worker thread and await its result.

    A drop-in for `asyncio.to_thread` that also runs on trio: keyword arguments
    are passed through and context variables are copied into the thread. The
    function can call [`asynckit.from_thread.check_cancelled`][] to stop early
    when the caller is cancelled, and [`asynckit.from_thread.run`][] to run async
    code back on the caller's loop. To bound how many threads run at once, use
    [`asynckit.asyncify`][] with a ``limiter=``.

    On cancellation, work that has not started is withdrawn; running work is told
    through `from_thread.check_cancelled()` and waited for, so a cancelled call
    never returns before its thread has finished. On asyncio the call then raises
    the cancellation (or the exception the function raised, which is never lost);
    on trio it returns the outcome and the cancellation is raised at the next
    checkpoint, as with `trio.to_thread.run_sync`.

    Args:
        fn: The blocking function to call.
        *args: Positional arguments for ``fn``.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        What ``fn(*args, **kwargs)`` returned.

    Raises:
        TypeError: If ``fn`` is an async function (or returns an awaitable) or is not
            callable.
        Exception: Whatever ``fn`` raised.

    Example:
        ```pycon
        >>> await asynckit.to_thread(open("data.bin", "rb").read)
        ```

    .. versionadded:: 0.1.0
    """
    check_sync_callable(fn, "to_thread")
    if running_trio():
        return await run_in_thread(fn, args, kwargs, None)
    # The common case inline: this is asyncio.to_thread's hot path.
    loop = asyncio.get_running_loop()
    work = AsyncioThreadWork(fn, args, kwargs, contextvars.copy_context(), loop)
    try:
        result = await loop.run_in_executor(None, work)
    except asyncio.CancelledError as cancel:
        await work.cancelled(cancel)
    if result is FAILED:
        work.reraise()
    return result
