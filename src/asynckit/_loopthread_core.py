"""The machinery behind `LoopThread`: its states, its thread, and the call hand-off.

`LoopThreadCore` owns the event loop thread and the queue of calls; the public methods
of `asynckit.LoopThread` build calls and hand them over through `_submit`.
"""

from __future__ import annotations

import atexit
import enum
import itertools
import os
import threading
import weakref
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from asynckit._loopthread_calls import Call, LoopThreadClosedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from asynckit._loopthread_asyncio import AsyncioRunner
    from asynckit._loopthread_trio import TrioRunner

_get_ident = threading.get_ident
_names = itertools.count(1)
_instances: weakref.WeakSet[LoopThreadCore] = weakref.WeakSet()


class _State(enum.Enum):
    CREATED = "created"
    STARTING = "starting"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"


_RUNNING = _State.RUNNING


@dataclass(frozen=True)
class LoopThreadStatistics:
    """A snapshot of a `LoopThread`'s state and load, from `LoopThread.statistics`.

    Attributes:
        state: ``"created"``, ``"starting"``, ``"running"``, ``"closing"`` or ``"closed"``.
        calls_queued: Calls handed over but not yet started by the loop.
        tasks_running: Tasks started by ``run``/``submit`` (and ``enter``/``iterate``)
            that have not finished.

    .. versionadded:: 0.1.0
    """

    state: str
    calls_queued: int
    tasks_running: int


def _not_running(*args: object) -> None:
    raise RuntimeError("the event loop is not running")


class LoopThreadCore:
    """The state machine, thread and hand-off shared by every `LoopThread`."""

    if TYPE_CHECKING:

        def close(self, *, timeout: float = 5.0) -> None: ...

    def _setup(self, backend: str, use_uvloop: bool, debug: bool, name: str | None) -> None:
        self._runner: AsyncioRunner | TrioRunner = _make_runner(
            backend, use_uvloop, debug, self._closed_error
        )
        self._backend = backend
        self._name = name if name is not None else f"asynckit-loopthread-{next(_names)}"
        self._state = _State.CREATED
        self._lock = threading.Lock()
        self._queue: deque[Call] = deque()
        self._wakeup_pending = False
        self._schedule: Callable[..., object] = _not_running
        self._ident: int | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._close_timeout = 5.0
        self._why_closed: str | None = None
        self._cause: BaseException | None = None
        _instances.add(self)

    def __repr__(self) -> str:
        return (
            f"<LoopThread name={self._name!r} backend={self._backend!r} state={self._state.value}>"
        )

    def _thread_main(self) -> None:
        error: BaseException | None = None
        try:
            self._runner.run(self._ready, self._close_timeout)
        except BaseException as exc:
            error = exc
        if not self._started.is_set():
            self._start_error = error or RuntimeError("the event loop exited while starting")
            self._state = _State.CLOSED
            self._started.set()
            return
        if error is not None or self._state is not _State.CLOSING:
            self._cause = error
            self._mark_closed("its event loop stopped unexpectedly")
        else:
            self._mark_closed(None)
        # Thread identifiers are reused once a thread ends.
        self._ident = None

    def _ready(self, schedule: Callable[..., object]) -> None:
        self._schedule = schedule
        self._ident = _get_ident()
        self._state = _RUNNING
        self._started.set()

    def _mark_closed(self, why: str | None) -> None:
        """Refuse new calls, then fail every call that can no longer complete."""
        self._why_closed = why
        self._state = _State.CLOSED
        self._sweep()
        inflight = self._runner.inflight
        while inflight:
            inflight.pop().discard(self._closed_error())

    def _closed_error(self) -> LoopThreadClosedError:
        """The error of a call that was pending when the loop closed."""
        why = self._why_closed
        cause = self._cause
        if why is None and self._state is _RUNNING:
            # The loop is shutting down without close(): an exception escaped it or user
            # code stopped it; cancelled calls learn why right away.
            why = "its event loop stopped unexpectedly"
            cause = self._runner.crash
        error = LoopThreadClosedError(
            f"{self!r} was closed before the call completed; its task was cancelled"
            if why is None
            else f"{self!r} could not complete the call: {why}"
        )
        error.__cause__ = cause
        return error

    def _sweep(self) -> None:
        pop = self._queue.popleft
        while True:
            try:
                call = pop()
            except IndexError:
                return
            call.discard(self._closed_error())

    def _forget_after_fork(self) -> None:
        """In a forked child: the loop thread does not exist here, so never use it."""
        self._lock = threading.Lock()
        if self._state is not _State.CREATED and self._state is not _State.CLOSED:
            self._why_closed = (
                "it was started in the parent process and its thread does not exist after "
                "os.fork(); create a new LoopThread in the child"
            )
            self._state = _State.CLOSED
            self._queue.clear()
            self._runner.inflight.clear()
            self._ident = None

    # ------------------------------------------------------------------ hand-off

    def _submit(self, call: Call, method: str | None) -> None:
        """Queue a call for the loop thread; ``method`` names a blocking caller."""
        if self._state is not _RUNNING:
            call.close_coro()
            raise self._unusable()
        if method is not None and _get_ident() == self._ident:
            call.close_coro()
            self._check_not_loop_thread(method)
        self._queue.append(call)
        if not self._wakeup_pending:
            self._wakeup_pending = True
            try:
                self._schedule(self._drain)
            except RuntimeError:  # the loop has just stopped: the re-check below handles it
                pass
        if self._state is not _RUNNING:
            # close() raced with us: whoever pops the call first fails it.
            self._sweep()

    def _check_not_loop_thread(self, method: str) -> None:
        if _get_ident() == self._ident:
            raise RuntimeError(
                f"LoopThread.{method}() was called on the LoopThread's own event loop thread, "
                f"where blocking would deadlock; await the coroutine there instead (or use "
                f"LoopThread.submit() and `await asyncio.wrap_future(future)`)"
            )

    def _drain(self) -> None:
        """Start every queued call; one scheduled wake-up serves a whole batch of calls."""
        queue = self._queue
        pop = queue.popleft
        start = self._runner.start_call
        while True:
            while True:
                try:
                    call = pop()
                except IndexError:
                    break
                start(call)
            self._wakeup_pending = False
            if not queue:
                return
            # A call arrived while the flag was still set, so its caller did not wake us.
            self._wakeup_pending = True

    def _unusable(self) -> RuntimeError:
        if self._state is _State.CREATED:
            return RuntimeError(
                f"{self!r} is not started: use it as a context manager (`with LoopThread() as "
                f"lt:`) or call start() first"
            )
        if self._state is _State.STARTING:
            return RuntimeError(f"{self!r} is still starting")
        why = self._why_closed
        error = LoopThreadClosedError(f"{self!r} is closed" + (f": {why}" if why else ""))
        error.__cause__ = self._cause
        return error

    def _cancel(self, call: Call) -> None:
        try:
            self._schedule(self._runner.cancel_call, call)
        except RuntimeError:  # the loop has stopped: close() completes the call
            pass


def _make_runner(
    backend: str, use_uvloop: bool, debug: bool, closed_error: Callable[[], BaseException]
) -> AsyncioRunner | TrioRunner:
    if backend == "trio":
        from asynckit._loopthread_trio import TrioRunner

        return TrioRunner(closed_error)
    import asyncio

    from asynckit._loopthread_asyncio import AsyncioRunner

    factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
    if use_uvloop:
        import uvloop

        factory = uvloop.new_event_loop
    return AsyncioRunner(factory, debug, closed_error)


def _close_all_at_exit() -> None:
    for loop_thread in list(_instances):
        if loop_thread._state is _RUNNING:
            loop_thread.close()


def _after_fork_in_child() -> None:
    for loop_thread in list(_instances):
        loop_thread._forget_after_fork()


atexit.register(_close_all_at_exit)
if hasattr(os, "register_at_fork"):  # pragma: no branch
    os.register_at_fork(after_in_child=_after_fork_in_child)
