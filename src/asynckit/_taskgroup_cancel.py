"""Cancellation accounting between an asyncio task group and its parent task.

A group cancels its parent task to interrupt the body when a child fails (or when
:meth:`TaskGroup.cancel <asynckit.TaskGroup.cancel>` is called), and must later tell
its own cancellation apart from one that came from outside, which has to propagate.

From Python 3.11 the count is :meth:`asyncio.Task.cancelling` and
:meth:`asyncio.Task.uncancel`, as in :mod:`asyncio.taskgroups`. Python 3.10 has no
cancellation counter, so the group marks its own request with a message only it uses
and classifies every :exc:`asyncio.CancelledError` it observes by that message.
"""

from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

# Before 3.13, Task.uncancel() leaves a requested but undelivered cancellation
# armed (``_must_cancel``) when the count drops to 0, so the group has to take
# delivery of it itself before returning (see TaskGroup._aexit).
UNCANCEL_DISARMS = sys.version_info >= (3, 13)


def cancel_is_armed(task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` has a requested cancellation not yet thrown into its coroutine."""
    return bool(getattr(task, "_must_cancel", False))


def pending_cancel_message(task: asyncio.Task[Any]) -> tuple[bool, Any]:
    """Whether a cancellation of ``task`` is on its way, and its message."""
    t: Any = task
    if cancel_is_armed(task):
        return True, getattr(t, "_cancel_message", None)
    waiter = getattr(t, "_fut_waiter", None)
    if waiter is not None and waiter.cancelled():
        return True, getattr(waiter, "_cancel_message", None)
    return False, None


# Python 3.10: requests that could not be made because another cancellation was
# on its way, per parent task, made once that one has been consumed.
_deferred: weakref.WeakKeyDictionary[asyncio.Task[Any], list[ParentCancellation]] = (
    weakref.WeakKeyDictionary()
)


class ParentCancellation:
    """The cancellation requests one group makes on its parent task.

    The request carries a message only this group uses. A request made while
    another cancellation is on its way keeps that one's message, which its sender
    (an enclosing group, an anyio cancel scope) needs to recognise it: from 3.11
    the task counts both requests; on 3.10 ours waits until the other one has
    been consumed.
    """

    __slots__ = ("__weakref__", "_foreign", "_requested", "_task", "_token")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self._token = f"asynckit.TaskGroup {id(self):#x} cancelled its parent task"
        self._requested = False
        self._foreign: BaseException | None = None

    def request(self) -> None:
        pending, message = pending_cancel_message(self._task)
        if sys.version_info >= (3, 11):
            self._requested = True
            self._task.cancel(message if pending else self._token)
        elif pending:
            _deferred.setdefault(self._task, []).append(self)
        else:
            self._requested = True
            self._task.cancel(self._token)

    def observe(self, exc: BaseException) -> None:
        """Note a CancelledError that reached the group: ours or someone else's."""
        if not (exc.args and exc.args[0] == self._token):
            self._foreign = exc

    def release(self) -> int:
        """Withdraw our request; return how many requests remain."""
        requested, self._requested = self._requested, False
        if sys.version_info >= (3, 11):
            return self._task.uncancel() if requested else self._task.cancelling()
        # Python 3.10: no counter; a cancellation remains if we saw another's.
        waiting = _deferred.get(self._task)
        if waiting is not None and self in waiting:
            waiting.remove(self)
        if self._foreign is not None:
            return 1
        if waiting:
            # We consumed our own cancellation; one that was deferred behind it
            # (an enclosing group's) can now be made.
            waiting.pop(0)._request_now()
        return 0

    def _request_now(self) -> None:
        self._requested = True
        self._task.cancel(self._token)

    def recancel_if_cancelling(self) -> None:
        """Re-arm an outside cancellation that the ExceptionGroup raised would hide.

        With the count kept stable (un-cancel, re-cancel), and with the message of
        the outside cancellation, for its sender to recognise it.
        """
        args = self._foreign.args if self._foreign is not None else ()
        msg = args[0] if args else None
        if sys.version_info >= (3, 11):
            if self._task.cancelling():
                self._task.uncancel()
                self._task.cancel(msg)
        elif self._foreign is not None:
            self._task.cancel(msg)
