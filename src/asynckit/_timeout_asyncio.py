"""The asyncio implementation of `Timeout`, with 3.13+ semantics on 3.10 to 3.13.

It follows CPython's ``Lib/asyncio/timeouts.py`` (3.13) and fixes what that
still gets wrong:

* a cancellation already pending when the scope is entered is not ours, even if
  the deadline passes before it is delivered (python/cpython#134471);
* a block that ends in a group made only of cancellations (a task group whose
  children were all cancelled by us) raises `TimeoutError`, and timeout context
  is inserted into `BaseExceptionGroup` members too (python/cpython#137549);
* on Python 3.10, which has no ``Task.cancelling()``/``uncancel()``, it tells
  its own cancellation from an outside one (see `_Py310Tracking`).

The hot path (enter and leave without expiring) does what ``asyncio.timeout``
does and nothing more.
"""

from __future__ import annotations

import math
import sys
import weakref
from asyncio import CancelledError, current_task
from typing import TYPE_CHECKING, Any

from asynckit._shielded import defer_to_shield, next_sequence
from asynckit._timeout_scope import Timeout, _State

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    import asyncio
    from types import TracebackType

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self

_HAS_UNCANCEL = sys.version_info >= (3, 11)
_INF = math.inf
_CREATED = _State.CREATED
_ENTERED = _State.ENTERED
_EXITED = _State.EXITED


class AsyncioTimeout(Timeout):
    """`Timeout` on asyncio: cancels its task with ``Task.cancel()``."""

    __slots__ = (
        "_cancel_message",
        "_cancelling",
        "_foreign",
        "_handle",
        "_held",
        "_loop",
        "_saved_message",
        "_sequence",
        "_task",
        "_watched",
    )

    def __init__(
        self, when: float | None, loop: asyncio.AbstractEventLoop, quiet: bool = False
    ) -> None:
        # Timeout.__init__ inlined: this is on the hot path.
        self._when = when
        self._loop = loop
        self._quiet = quiet
        self._state = _CREATED
        self._cancelled_caught = False
        self._handle: asyncio.Handle | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self._held = False
        self._foreign = False

    async def __aenter__(self) -> Self:
        if self._state is not _CREATED:
            raise RuntimeError(f"{self!r} has already been entered")
        task = current_task()
        if task is None:
            raise RuntimeError(f"{self!r} should be used inside a task")
        self._state = _ENTERED
        self._task = task
        self._sequence = next_sequence()
        if _HAS_UNCANCEL:
            cancelling: int = task.cancelling()  # type: ignore[attr-defined,unused-ignore]
            if task._must_cancel:  # type: ignore[attr-defined]
                # `task.cancel(); async with timeout(0): await ...`: the pending
                # request is delivered inside the block, after our deadline may
                # have fired too; it is not ours, so the baseline excludes it and
                # the exit lets it propagate (python/cpython#134471).
                cancelling -= 1
            self._cancelling = cancelling
        when = self._when
        if when is not None and when != _INF:
            loop = self._loop
            if when <= loop.time():
                self._handle = loop.call_soon(self._on_timeout)
            else:
                self._handle = loop.call_at(when, self._on_timeout)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        handle = self._handle
        if handle is not None:
            handle.cancel()
            self._handle = None
        state = self._state
        if state is _ENTERED:
            self._state = _EXITED
            self._task = None  # no task -> frame -> scope -> task cycle
            return None
        if state is not _State.EXPIRING:
            raise RuntimeError(f"{self!r} is not active")
        try:
            return self._exit_expired(exc_type, exc_val)
        finally:
            self._task = None

    def _exit_expired(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None
    ) -> bool | None:
        self._state = _State.EXPIRED
        if self._held:
            # The deadline passed inside a shielded block and the scope ended
            # before the block's exit could deliver the cancellation.
            self._held = False
            return None
        if not self._own_cancellation_ends(exc_val):
            # Someone else cancelled the task too: their CancelledError (or
            # whatever the block raised) propagates untouched.
            return None
        if exc_type is None or exc_val is None:
            return None
        if issubclass(exc_type, CancelledError):
            self._cancelled_caught = True
            if self._quiet:
                return True
            raise TimeoutError from exc_val
        if isinstance(exc_val, BaseExceptionGroup):
            # `async with timeout(1): async with TaskGroup(): ...` where every
            # child ended cancelled: the group holds nothing but our
            # cancellation, so it is a timeout (python/cpython#96037).
            if exc_val.split(CancelledError)[1] is None:
                self._cancelled_caught = True
                if self._quiet:
                    return True
                raise TimeoutError from exc_val
            _insert_timeout_error(exc_val)
            for exc in exc_val.exceptions:
                _insert_timeout_error(exc)
        else:
            _insert_timeout_error(exc_val)
        return None

    # ------------------------------------------------------------ scheduling

    def _schedule(self, when: float | None) -> None:
        handle = self._handle
        if handle is not None:
            handle.cancel()
        if when is None or when == _INF:
            self._handle = None
            return
        loop = self._loop
        if when <= loop.time():
            self._handle = loop.call_soon(self._on_timeout)
        else:
            self._handle = loop.call_at(when, self._on_timeout)

    def _on_timeout(self) -> None:
        self._handle = None
        self._state = _State.EXPIRING
        self._deliver()

    def _deliver(self) -> None:
        task = self._task
        assert task is not None
        if defer_to_shield(task, self._sequence, self):
            # Inside `with shielded()` entered after this scope: expired (as on
            # trio, the deadline cannot be moved any more) but the cancellation
            # waits for the shielded block to exit.
            self._held = True
            return
        self._held = False
        if _HAS_UNCANCEL:
            task.cancel()
        else:
            self._cancel_py310(task)  # type: ignore[attr-defined,unused-ignore]

    def _refire(self) -> None:
        # The shielded block that held this scope's cancellation has exited.
        # (Shields nest inside the scopes they hold back, so this scope is
        # still expiring; the check guards against hand-driven misnesting.)
        if self._held and self._state is _State.EXPIRING:  # pragma: no branch
            self._handle = self._loop.call_soon(self._redeliver)

    def _redeliver(self) -> None:
        self._handle = None
        self._deliver()

    # ------------------------------------------------- whose cancellation?

    if sys.version_info >= (3, 11):

        def _own_cancellation_ends(self, exc_val: BaseException | None) -> bool:
            task = self._task
            assert task is not None
            # Balanced with the cancel() in _on_timeout; a count still above the
            # baseline means another cancel request arrived meanwhile.
            return task.uncancel() <= self._cancelling

    else:

        def _cancel_py310(self, task: asyncio.Task[Any]) -> None:
            waiter = task._fut_waiter  # type: ignore[attr-defined]
            if task._must_cancel or (  # type: ignore[attr-defined]
                waiter is not None and waiter.cancelled()
            ):
                # An outside cancellation is already on its way (cpython#134471
                # on 3.10): let it through instead of claiming it as ours.
                self._foreign = True
                self._cancel_message = None
                return
            # Without Task.cancelling(), the task's cancel message is the only
            # trace an outside Task.cancel() landing after ours leaves: if the
            # waiter is already cancelled it overwrites the message. So we mark
            # the message and check the mark on exit.
            message = _Marker(f"asynckit: {self!r} expired")
            self._cancel_message = message
            self._saved_message = task._cancel_message  # type: ignore[attr-defined]
            task._cancel_message = message  # type: ignore[attr-defined]
            task.cancel(message)
            self._watched = waiter
            if waiter is None:
                self._loop.call_soon(self._watch, None)
            else:
                _own_cancelled_waiters.add(waiter)
                waiter.add_done_callback(self._watch)

        def _watch(self, done: asyncio.Future[Any] | None) -> None:
            # Follows the futures the task awaits until the scope exits: one
            # that ends cancelled, other than those asynckit timeouts cancelled,
            # is a cancellation from outside arriving while the block cleans up.
            if self._state is not _State.EXPIRING:
                return
            if done is not None and done.cancelled() and done not in _own_cancelled_waiters:
                self._foreign = True
            task = self._task
            assert task is not None
            self._watched = waiter = task._fut_waiter  # type: ignore[attr-defined]
            if waiter is None:
                # A bare yield (sleep(0)): look again after the next step. (A done
                # task has left the scope, so the check is only a safeguard.)
                if not task.done():  # pragma: no branch
                    self._loop.call_soon(self._watch, None)
                return
            waiter.add_done_callback(self._watch)

        def _own_cancellation_ends(self, exc_val: BaseException | None) -> bool:
            task = self._task
            assert task is not None
            mine = self._cancel_message
            if mine is None or task._cancel_message is not mine:  # type: ignore[attr-defined]
                return False
            task._cancel_message = self._saved_message  # type: ignore[attr-defined]
            if not (
                isinstance(exc_val, CancelledError) and exc_val.args and exc_val.args[0] is mine
            ):
                # Not visibly our CancelledError (messages do not cross tasks on
                # 3.10): ours only if no future the task awaited since we fired
                # was cancelled by someone else. The exiting step may have been
                # woken by the watched future's cancellation before _watch saw it.
                watched = self._watched
                if self._foreign or (
                    watched is not None
                    and watched.cancelled()
                    and watched not in _own_cancelled_waiters
                ):
                    return False
            # `task.cancel(); async with timeout(1): try: ... finally: await ...`
            # where the deadline passes during the cleanup: our cancellation is
            # raised while the outside one is being handled, so it shows in the
            # context chain. A cancellation asynckit made carries a _Marker
            # message (unless it crossed a task, which drops messages on 3.10:
            # then we let it propagate, which is the safe side).
            context = exc_val.__context__ if exc_val is not None else None
            while context is not None:
                if isinstance(context, CancelledError) and not (
                    context.args and isinstance(context.args[0], _Marker)
                ):
                    return False
                context = context.__context__
            return True


class _Marker(str):
    """The message of the cancellations asynckit's timeouts make (3.10)."""

    __slots__ = ()


#: The futures asynckit timeouts cancelled (3.10 only; see `_watch`).
_own_cancelled_waiters: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()


def _insert_timeout_error(exc_val: BaseException) -> None:
    # As CPython 3.13: the error raised while handling our cancellation is shown
    # as raised while handling a TimeoutError caused by that cancellation.
    while exc_val.__context__ is not None:
        if isinstance(exc_val.__context__, CancelledError):
            te = TimeoutError()
            te.__context__ = te.__cause__ = exc_val.__context__
            exc_val.__context__ = te
            break
        exc_val = exc_val.__context__
