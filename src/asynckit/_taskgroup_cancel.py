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


def cancel_is_pending(task: asyncio.Task[Any]) -> bool:
    """Whether a cancellation of ``task`` was requested and not yet delivered."""
    if cancel_is_armed(task):
        return True
    waiter = getattr(task, "_fut_waiter", None)
    return waiter is not None and waiter.cancelled()


class ParentCancellation:
    """The cancellation requests one group makes on its parent task.

    The request carries a message only this group uses. A request is not made
    when a cancellation is already on its way to the parent: that one interrupts
    the body for us, and a second ``cancel()`` would replace its message, which
    its sender (an enclosing group, an anyio cancel scope) needs to recognise it.
    """

    __slots__ = ("_foreign", "_requested", "_task", "_token")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self._token = f"asynckit.TaskGroup {id(self):#x} cancelled its parent task"
        self._requested = False
        self._foreign: BaseException | None = None

    def request(self) -> None:
        if cancel_is_pending(self._task):
            return
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
        return 0 if self._foreign is None else 1

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
