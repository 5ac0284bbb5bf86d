"""Worker-side objects for calls run in threads: the work and its link.

A *link* (see ``_from_thread``) is what the blocking function reaches through
``asynckit.from_thread``; it is installed in the copy of the caller's context that the
function runs in. The work objects here also carry what each backend needs to notice
cancellation and completion.
"""

from __future__ import annotations

import asyncio
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, Protocol, TypeVar

import anyio

from asynckit._from_thread import Link, current_link

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Awaitable, Callable, Coroutine

T = TypeVar("T")

# What a worker returns when the function raised (the exception is kept aside).
FAILED: Any = object()


def returned_coroutine(fn: object, value: Coroutine[Any, Any, Any]) -> TypeError:
    """The error for a function that returned a coroutine instead of a result."""
    value.close()
    return TypeError(
        f"{fn!r} returned {type(value).__name__} object {value!r} instead of a result: "
        "it is an async function in disguise (a lambda, partial or callable object "
        "returning a coroutine); await it directly instead"
    )


class _HoldsException(Protocol):
    exception: BaseException | None


def take_exception(work: _HoldsException) -> BaseException | None:
    """Return the exception the work's function raised, forgetting it (no reference cycle)."""
    exc, work.exception = work.exception, None
    return exc


def reraise(work: _HoldsException) -> NoReturn:
    """Raise the exception the work's function raised."""
    exc = take_exception(work)
    assert exc is not None
    try:
        raise exc
    finally:
        del exc


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
        exc = take_exception(self)
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
