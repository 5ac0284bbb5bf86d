"""`LoopThread`: an event loop in a background thread that sync code calls safely."""

from __future__ import annotations

import sys
import threading
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from asynckit import _loopthread_bridge as _bridge
from asynckit._loopthread_calls import PENDING, FutureCall, LoopThreadFuture, WaitCall
from asynckit._loopthread_core import LoopThreadCore, LoopThreadStatistics, _State

if sys.version_info >= (3, 11):
    from typing import Self, TypeVarTuple, Unpack
else:  # pragma: no cover
    from typing_extensions import Self, TypeVarTuple, Unpack

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Generator
    from contextlib import AbstractAsyncContextManager, AbstractContextManager
    from types import TracebackType


T = TypeVar("T")
Ts = TypeVarTuple("Ts")
_get_ident = threading.get_ident


class LoopThread(LoopThreadCore):
    """An event loop running in a dedicated thread that sync code can call into.

    Sync code (web views, CLIs, Jupyter cells, test helpers) hands coroutines to the loop
    and blocks until they finish. Results come back as they are; exceptions are re-raised
    in the caller with their original traceback. Calls run in a copy of the caller's
    `contextvars` context.

    Use it as a context manager, or call `start` and `close` yourself::

        with LoopThread() as loop_thread:
            data = loop_thread.run(fetch, "https://example.com")

    Every blocking method raises `RuntimeError` at once when called on the loop's own
    thread (blocking there would deadlock); calling from a thread that runs another
    event loop, as a Jupyter cell does, works. Every `LoopThread` still running when the
    interpreter exits is closed then.

    Args:
        backend: ``"asyncio"`` or ``"trio"`` (needs the ``trio`` extra).
        use_uvloop: Run uvloop's event loop (asyncio only; needs the ``uvloop`` extra).
        debug: Turn on asyncio's debug mode in the loop (asyncio only).
        name: The thread's name; ``asynckit-loopthread-N`` when ``None``.

    Raises:
        ValueError: An unknown ``backend``, or an asyncio-only option with ``"trio"``.
        ModuleNotFoundError: The backend's (or uvloop's) package is not installed.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        backend: Literal["asyncio", "trio"] = "asyncio",
        use_uvloop: bool = False,
        debug: bool = False,
        name: str | None = None,
    ) -> None:
        if backend not in ("asyncio", "trio"):
            raise ValueError(f"backend must be 'asyncio' or 'trio', got {backend!r}")
        if backend == "trio" and (use_uvloop or debug):
            raise ValueError("use_uvloop=True and debug=True are asyncio options; trio has neither")
        self._setup(backend, use_uvloop, debug, name)

    @property
    def name(self) -> str:
        """The loop thread's name."""
        return self._name

    def start(self) -> None:
        """Start the event loop thread and return once it accepts calls.

        Raises:
            RuntimeError: The `LoopThread` was already started or closed, or its event
                loop could not be created (the cause is chained).
        """
        with self._lock:
            if self._state is not _State.CREATED:
                raise RuntimeError(
                    f"{self!r} was already started; a LoopThread is started once"
                    if self._state is not _State.CLOSED
                    else f"{self!r} is closed; a LoopThread cannot be restarted, create a new one"
                )
            self._state = _State.STARTING
            thread = threading.Thread(target=self._thread_main, name=self._name, daemon=True)
            self._thread = thread
            thread.start()
            self._started.wait()
            if self._start_error is not None:
                thread.join()
                error, self._start_error = self._start_error, None
                raise RuntimeError(f"{self!r} could not start its event loop") from error

    def close(self, *, timeout: float = 5.0) -> None:
        """Cancel the remaining tasks, stop the event loop and join its thread.

        Waits up to ``timeout`` seconds for the cancelled tasks to finish, then finalizes
        async generators and the loop's default executor (also bounded by ``timeout``)
        and closes the loop. Calls still pending, and calls made afterwards, fail with
        `LoopThreadClosedError`. Closing twice, or closing a `LoopThread` that was never
        started, is allowed.

        Args:
            timeout: Bound, in seconds, on each wait described above.

        Raises:
            ValueError: ``timeout`` is negative.
            RuntimeError: Called on the loop's own thread, or the thread did not stop in
                time because something blocks the event loop (the thread is left running
                as a daemon; every call to it fails).
        """
        if timeout < 0:
            raise ValueError(f"timeout must be a non-negative number of seconds, got {timeout!r}")
        if _get_ident() == self._ident:
            raise RuntimeError(
                f"{self!r}.close() was called on the loop's own thread, which close() must "
                f"join; call it from another thread, e.g. "
                f"`threading.Thread(target=loop_thread.close).start()`"
            )
        with self._lock:
            if self._state is _State.CREATED:
                self._state = _State.CLOSED
                return
            if self._state is _State.RUNNING:
                self._state = _State.CLOSING
                self._close_timeout = timeout
                try:
                    self._schedule(self._runner.begin_shutdown, timeout)
                except RuntimeError:  # the loop has already stopped on its own
                    pass
            thread = self._thread
        if thread is None:  # closed before it was ever started
            return
        thread.join(2 * timeout + 1.0)
        if thread.is_alive():
            self._mark_closed("its event loop thread did not stop in time")
            raise RuntimeError(
                f"{self!r} did not stop within {2 * timeout + 1.0:g} s: something blocks its "
                f"event loop (a long sync call or a blocking call in a coroutine); the thread "
                f"was left running as a daemon"
            )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def statistics(self) -> LoopThreadStatistics:
        """Return a snapshot of the state, queued calls and running tasks."""
        return LoopThreadStatistics(
            state=self._state.value,
            calls_queued=len(self._queue),
            tasks_running=len(self._runner.inflight),
        )

    # ------------------------------------------------------------------ public calls

    def run(
        self,
        fn: Callable[[Unpack[Ts]], Awaitable[T]] | Coroutine[Any, Any, T],
        *args: Unpack[Ts],
        timeout: float | None = None,
    ) -> T:
        """Run ``fn(*args)`` (or a coroutine object) on the loop and return its result.

        Blocks the calling thread until the task finishes.

        Args:
            fn: An async function, or a coroutine object (then without ``args``).
            *args: Positional arguments for ``fn``.
            timeout: Seconds to wait; then the task is cancelled and, once it has
                finished, `TimeoutError` is raised. ``None`` waits for ever.

        Returns:
            What the coroutine returned.

        Raises:
            TimeoutError: ``timeout`` expired and the task was cancelled.
            RuntimeError: Called on the loop's own thread, or the `LoopThread` is not
                started.
            LoopThreadClosedError: The `LoopThread` is closed, or closed before the
                task finished.
            TypeError: ``fn`` is neither an async function nor a coroutine object.
            ValueError: ``timeout`` is negative.
            BaseException: Whatever the coroutine raised, with its traceback.
        """
        if timeout is not None:
            timeout = _check_timeout(timeout)
        if type(fn) is CoroutineType:
            call = WaitCall(None, (), _no_args(fn, args), True)
        else:
            call = WaitCall(_check_callable(fn, "run"), args, None, True)
        try:
            self._submit(call, "run")
            result: T = call.wait(timeout, self._cancel)
        except BaseException:
            if call.status == PENDING:
                # KeyboardInterrupt while blocked: the caller is leaving, so its task
                # must not keep running unobserved.
                self._cancel(call)
            raise
        return result

    def submit(
        self,
        fn: Callable[[Unpack[Ts]], Awaitable[T]] | Coroutine[Any, Any, T],
        *args: Unpack[Ts],
    ) -> LoopThreadFuture[T]:
        """Start ``fn(*args)`` (or a coroutine object) on the loop; return a future.

        The future is a `concurrent.futures.Future`. Cancelling it cancels the task;
        it then resolves (normally as cancelled) once the task has finished. It may be
        created from any thread, the loop's own included; waiting for it on the loop's
        own thread raises `RuntimeError` (await ``asyncio.wrap_future(future)`` there).

        Args:
            fn: An async function, or a coroutine object (then without ``args``).
            *args: Positional arguments for ``fn``.

        Returns:
            A future for the task's result.

        Raises:
            RuntimeError: The `LoopThread` is not started.
            LoopThreadClosedError: The `LoopThread` is closed.
            TypeError: ``fn`` is neither an async function nor a coroutine object.
        """
        future: LoopThreadFuture[Any] = LoopThreadFuture()
        if type(fn) is CoroutineType:
            call = FutureCall(None, (), _no_args(fn, args), future)
        else:
            call = FutureCall(_check_callable(fn, "submit"), args, None, future)
        future._loop_ident = self._ident
        future._cancel_hook = lambda: self._cancel(call)  # type: ignore[method-assign]
        self._submit(call, None)
        return future

    def call(self, fn: Callable[[Unpack[Ts]], T], *args: Unpack[Ts]) -> T:
        """Call the sync function ``fn(*args)`` on the loop thread and return its result.

        Use it to touch loop-bound objects (set an `asyncio.Event`, read a queue size)
        from another thread.

        Args:
            fn: A sync function.
            *args: Its positional arguments.

        Returns:
            What ``fn`` returned.

        Raises:
            RuntimeError: Called on the loop's own thread, or not started.
            LoopThreadClosedError: The `LoopThread` is closed.
            TypeError: ``fn`` is not callable, or returned a coroutine.
            BaseException: Whatever ``fn`` raised, with its traceback.
        """
        call = WaitCall(_check_callable(fn, "call"), args, None, False)
        self._submit(call, "call")
        result: T = call.wait(None, self._cancel)
        return result

    def enter(self, cm: AbstractAsyncContextManager[T]) -> AbstractContextManager[T, bool]:
        """Use an async context manager from sync code: ``with lt.enter(cm) as value:``.

        ``__aenter__`` and ``__aexit__`` run in the same task on the loop, so cancel
        scopes, task groups and timeouts inside the context manager work.

        Args:
            cm: The async context manager.

        Returns:
            A sync context manager entering and exiting ``cm`` on the loop.

        Raises:
            TypeError: ``cm`` is not an async context manager.
        """
        return _bridge.SyncContextManager(self, cm)

    def iterate(self, iterable: AsyncIterable[T]) -> Generator[T, None, None]:
        """Iterate over an async iterable from sync code: ``for item in lt.iterate(it):``.

        The async iteration runs in one task on the loop. Leaving the ``for`` loop early
        (``break``, an exception, or closing the generator) closes the async iterator
        with ``aclose()`` in that task.

        Args:
            iterable: The async iterable.

        Returns:
            A generator of the items.

        Raises:
            TypeError: ``iterable`` is not an async iterable.
        """
        return _bridge.iterate(self, iterable)


def _check_timeout(timeout: float) -> float | None:
    if timeout < 0:
        raise ValueError(
            f"timeout must be None or a non-negative number of seconds, got {timeout!r}"
        )
    return None if timeout > threading.TIMEOUT_MAX else timeout


def _check_callable(fn: Any, method: str) -> Callable[..., Any]:
    if not callable(fn):
        raise TypeError(
            f"LoopThread.{method}() expected a function or a coroutine object, got {fn!r}"
        )
    return fn  # type: ignore[no-any-return]


def _no_args(coro: Coroutine[Any, Any, Any], args: tuple[Any, ...]) -> Coroutine[Any, Any, Any]:
    if args:
        coro.close()
        raise TypeError(
            "positional arguments were given with a coroutine object; pass the function "
            "and its arguments instead: run(fn, *args), not run(fn(), *args)"
        )
    return coro
