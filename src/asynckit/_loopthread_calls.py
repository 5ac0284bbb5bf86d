"""The calls a LoopThread carries from caller threads to its event loop and back.

A call is created in the caller's thread, queued, started on the loop thread and
completed there exactly once (or failed by the LoopThread when it closes before the call
could complete). Blocking callers wait on a bare lock that the loop thread releases: one
lock allocation and one wake-up per call, which is all a cross-thread hand-off needs.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import threading
from _thread import allocate_lock
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

T = TypeVar("T")

PENDING = 0
RESULT = 1
ERROR = 2
CANCELLED = 3


class LoopThreadClosedError(RuntimeError):
    """A call was made to a closed `LoopThread`, or was pending when it closed.

    It is a `RuntimeError`, as asyncio's "Event loop is closed" is, so code that
    already handles that keeps working; catch this class to tell a closed `LoopThread`
    apart from other errors.

    .. versionadded:: 0.1.0
    """


class Call:
    """One request: an async function or coroutine to run as a task, or a sync function.

    Attributes:
        fn: The function to call on the loop thread (``None`` for a coroutine object).
        args: Its positional arguments.
        coro: The coroutine object to run, until a task takes it over.
        context: A copy of the caller's context, which the call runs in.
        is_async: Whether the call runs as a task (``run``/``submit``) or not (``call``).
        handle: The backend's cancellation handle once the call's task has started.
        cancel_requested: Set on the loop thread when the caller asked for cancellation.
        status: ``PENDING`` until the call completes.
    """

    __slots__ = (
        "args",
        "cancel_requested",
        "context",
        "coro",
        "fn",
        "handle",
        "is_async",
        "status",
    )

    def __init__(
        self,
        fn: Callable[..., Any] | None,
        args: tuple[Any, ...],
        coro: Coroutine[Any, Any, Any] | None,
        is_async: bool,
    ) -> None:
        self.fn = fn
        self.args = args
        self.coro = coro
        self.is_async = is_async
        self.context = contextvars.copy_context()
        self.handle: Any = None
        self.cancel_requested = False
        self.status = PENDING

    def set_result(self, value: Any) -> None:
        """Complete the call with a value (first completion wins)."""
        raise NotImplementedError

    def set_exception(self, exc: BaseException) -> None:
        """Complete the call with an exception (first completion wins)."""
        raise NotImplementedError

    def set_cancelled(self) -> None:
        """Complete the call as cancelled at the caller's request."""
        raise NotImplementedError

    def close_coro(self) -> None:
        """Close the coroutine object the call was given if no task took it over."""
        coro = self.coro
        if coro is not None:
            self.coro = None
            coro.close()

    def discard(self, exc: BaseException) -> None:
        """Fail a call that will never run (or never finish), closing its coroutine."""
        self.close_coro()
        self.set_exception(exc)


class WaitCall(Call):
    """A call whose caller blocks until it completes (``run`` and ``call``)."""

    __slots__ = ("_exc", "_lock", "_value")

    def __init__(
        self,
        fn: Callable[..., Any] | None,
        args: tuple[Any, ...],
        coro: Coroutine[Any, Any, Any] | None,
        is_async: bool,
    ) -> None:
        self.fn = fn
        self.args = args
        self.coro = coro
        self.is_async = is_async
        self.context = contextvars.copy_context()
        self.handle = None
        self.cancel_requested = False
        self.status = PENDING
        self._value: Any = None
        self._exc: BaseException | None = None
        lock = allocate_lock()
        lock.acquire()
        self._lock = lock

    def set_result(self, value: Any) -> None:
        if self.status == PENDING:
            self.status = RESULT
            self._value = value
            self._lock.release()

    def set_exception(self, exc: BaseException) -> None:
        if self.status == PENDING:
            self.status = ERROR
            self._exc = exc
            self._lock.release()

    def set_cancelled(self) -> None:
        if self.status == PENDING:
            self.status = CANCELLED
            self._lock.release()

    def wait(self, timeout: float | None, cancel: Callable[[Call], None]) -> Any:
        """Block until the call completes; return its value or raise its exception.

        Args:
            timeout: Seconds to wait before cancelling the call's task, or ``None``.
            cancel: Asks the loop thread to cancel this call's task.

        Raises:
            TimeoutError: The call did not complete in time and its task was cancelled.
        """
        lock = self._lock
        if timeout is None:
            lock.acquire()
        elif not lock.acquire(timeout=timeout):
            # The deadline passed: cancel the task and wait until it has really
            # finished, so no work outlives the call (unlike cancelling the future
            # of run_coroutine_threadsafe, python/cpython#105836).
            cancel(self)
            lock.acquire()
        status = self.status
        if status == RESULT:
            value = self._value
            self._value = None
            return value
        if status == CANCELLED:
            raise TimeoutError(
                f"the call did not complete within {timeout} s; its task was cancelled"
            )
        exc = self._exc
        self._exc = None
        try:
            raise exc  # type: ignore[misc]
        finally:
            del exc


class LoopThreadFuture(concurrent.futures.Future[T], Generic[T]):
    """The `concurrent.futures.Future` returned by `LoopThread.submit`.

    ``cancel()`` cancels the task; the future then resolves (normally as cancelled)
    once the task has finished, so ``result()``, ``concurrent.futures.wait`` and
    ``as_completed`` observe the end of the task, not just the request. ``result()`` and
    ``exception()`` raise `RuntimeError` when called on the loop's own thread before the
    future is done, instead of deadlocking.

    .. versionadded:: 0.1.0
    """

    _loop_ident: int | None = None

    def _cancel_hook(self) -> None:
        """Replaced by `LoopThread.submit` with a request to cancel the task."""

    def cancel(self) -> bool:
        """Cancel the task; the future resolves once the task has finished.

        Returns:
            ``False`` if the future is already done, else ``True``.
        """
        if self.done():
            return False
        self._cancel_hook()
        return True

    def _check_thread(self) -> None:
        if self._loop_ident == threading.get_ident() and not self.done():
            raise RuntimeError(
                "waiting for a LoopThread future on the LoopThread's own event loop thread "
                "would deadlock; use `await asyncio.wrap_future(future)` there instead"
            )

    def result(self, timeout: float | None = None) -> T:
        """Wait for and return the task's result (see `concurrent.futures.Future.result`).

        Raises:
            RuntimeError: Called on the loop's own thread while the task is pending.
        """
        self._check_thread()
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait for and return the task's exception (see ``Future.exception``).

        Raises:
            RuntimeError: Called on the loop's own thread while the task is pending.
        """
        self._check_thread()
        return super().exception(timeout)


class FutureCall(Call):
    """A call whose outcome goes to a `LoopThreadFuture` (``submit``)."""

    __slots__ = ("future",)

    def __init__(
        self,
        fn: Callable[..., Any] | None,
        args: tuple[Any, ...],
        coro: Coroutine[Any, Any, Any] | None,
        future: LoopThreadFuture[Any],
    ) -> None:
        super().__init__(fn, args, coro, True)
        self.future = future

    def set_result(self, value: Any) -> None:
        if self.status == PENDING:
            self.status = RESULT
            self.future.set_result(value)

    def set_exception(self, exc: BaseException) -> None:
        if self.status == PENDING:
            self.status = ERROR
            self.future.set_exception(exc)

    def set_cancelled(self) -> None:
        if self.status == PENDING:
            self.status = CANCELLED
            future = self.future
            concurrent.futures.Future.cancel(future)
            future.set_running_or_notify_cancel()
