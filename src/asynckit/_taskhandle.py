"""Handles to the children of a :class:`asynckit.TaskGroup`.

A handle follows the :class:`asyncio.Future` contract on every backend: ``done()``,
``cancelled()``, ``result()`` and ``exception()`` answer without waiting (raising
:exc:`asyncio.InvalidStateError` while the child runs and :exc:`asyncio.CancelledError`
once it was cancelled), and awaiting the handle waits for the child and returns its
result or raises its exception.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Generator

    import trio

    from asynckit._taskgroup_asyncio import AsyncioGroupMixin

T_co = TypeVar("T_co", covariant=True)

_PENDING = "pending"
_FINISHED = "finished"
_FAILED = "failed"
_CANCELLED = "cancelled"


class TaskHandle(Generic[T_co]):
    """A child task of a :class:`~asynckit.TaskGroup`.

    Returned by :meth:`TaskGroup.create_task <asynckit.TaskGroup.create_task>` and
    :meth:`TaskGroup.start_soon <asynckit.TaskGroup.start_soon>`. A handle is not
    created directly.

    It can be awaited (``result = await handle``) and inspected without waiting with
    the methods of :class:`asyncio.Future`, on asyncio and on trio alike. A child that
    raised :exc:`KeyboardInterrupt` or :exc:`SystemExit` reports that exception here
    too, although the exception itself propagated out of the group.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("__weakref__",)

    @property
    def name(self) -> str:
        """The child's name: the ``name=`` it was given, or a default one."""
        raise NotImplementedError

    def get_name(self) -> str:
        """Return the child's name, as :meth:`asyncio.Task.get_name` does.

        Returns:
            The same value as :attr:`name`.
        """
        return self.name

    def done(self) -> bool:
        """Return whether the child has finished: returned, raised or was cancelled.

        Returns:
            ``True`` once the child has finished.
        """
        raise NotImplementedError

    def cancelled(self) -> bool:
        """Return whether the child finished by being cancelled.

        Returns:
            ``True`` if the child was cancelled (by :meth:`cancel`, by its group, or
            from outside).
        """
        raise NotImplementedError

    def result(self) -> T_co:
        """Return the child's return value, without waiting.

        Returns:
            What the child's coroutine returned.

        Raises:
            asyncio.InvalidStateError: The child has not finished yet.
            asyncio.CancelledError: The child was cancelled.
            BaseException: The exception the child raised.
        """
        raise NotImplementedError

    def exception(self) -> BaseException | None:
        """Return the exception the child raised, without waiting.

        Returns:
            The exception, or ``None`` if the child returned normally.

        Raises:
            asyncio.InvalidStateError: The child has not finished yet.
            asyncio.CancelledError: The child was cancelled.
        """
        raise NotImplementedError

    def cancel(self, msg: str | None = None) -> bool:
        """Request the cancellation of this child only.

        Cancelling one child is not an error: its group carries on with the others.
        A child that waits for a free slot of a limited group is closed without
        ever starting.

        Args:
            msg: The message of the :exc:`asyncio.CancelledError` (asyncio only;
                trio's cancellation carries no message).

        Returns:
            ``False`` if the child had already finished, ``True`` otherwise.
        """
        raise NotImplementedError

    def __await__(self) -> Generator[Any, Any, T_co]:
        raise NotImplementedError

    def _state(self) -> str:
        if not self.done():
            return _PENDING
        if self.cancelled():
            return _CANCELLED
        return _FINISHED if self.exception() is None else _FAILED

    def __repr__(self) -> str:
        return f"<asynckit.TaskHandle {self.name!r} state={self._state()}>"


_CANCELLED_VALUE: Any = object()


class AsyncioTaskHandle(TaskHandle[T_co]):
    """The asyncio handle: a view of the child's :class:`asyncio.Task`, then its outcome.

    ``_base_exc`` holds a :exc:`KeyboardInterrupt` or :exc:`SystemExit` raised by the
    child: the group's guard catches it inside the task (so that it does not escape
    into the event loop, python/cpython#102572) and the task itself ends normally.
    While the child runs (and after, if its group keeps no results) the handle is a
    view of its task. A group that keeps results settles each handle when its child
    is done: the handle then keeps the outcome (``_value``, ``_base_exc``, ``_name``)
    and drops the task and the coroutines, so that keeping the handles of many
    children keeps little more than their results.

    The group creates handles with :func:`new_handle` and sets ``_coro``, ``_group``,
    ``_base_exc`` and ``_task`` itself (``_holds_slot`` too, in a group with a
    limit): no ``__init__`` call on the hot path. ``_group`` is set only while the
    group relies on the child's guard to hear of its end (see ``guard_open``).
    """

    __slots__ = ("_base_exc", "_coro", "_group", "_holds_slot", "_name", "_task", "_value")

    _coro: Coroutine[Any, Any, Any] | None
    _group: AsyncioGroupMixin | None
    _task: asyncio.Task[Any] | None
    _base_exc: BaseException | None
    _holds_slot: bool
    _name: str
    _value: Any

    def _settle(self, task: asyncio.Task[Any]) -> None:
        # Keep the outcome, drop the task (and with it both coroutines).
        if task.cancelled():
            self._value = _CANCELLED_VALUE
        else:
            exc = task.exception()
            if self._base_exc is None:
                self._base_exc = exc
            self._value = task.result() if exc is None else None
        self._name = task.get_name()
        self._task = self._coro = None

    @property
    def name(self) -> str:
        """The child's name: the ``name=`` it was given, or a default one."""
        task = self._task
        return self._name if task is None else task.get_name()

    def done(self) -> bool:
        """Return whether the child has finished: returned, raised or was cancelled."""
        task = self._task
        return True if task is None else task.done()

    def cancelled(self) -> bool:
        """Return whether the child finished by being cancelled."""
        task = self._task
        return self._value is _CANCELLED_VALUE if task is None else task.cancelled()

    def result(self) -> T_co:
        """Return the child's return value, without waiting."""
        task = self._task
        if task is not None:
            result: T_co = task.result()
        elif self._value is _CANCELLED_VALUE:
            raise asyncio.CancelledError
        else:
            result = self._value
        if self._base_exc is not None:
            raise self._base_exc
        return result

    def exception(self) -> BaseException | None:
        """Return the exception the child raised, without waiting."""
        task = self._task
        if task is not None:
            exc = task.exception()
        elif self._value is _CANCELLED_VALUE:
            raise asyncio.CancelledError
        else:
            exc = None
        return self._base_exc if self._base_exc is not None else exc

    def cancel(self, msg: str | None = None) -> bool:
        """Request the cancellation of this child only."""
        task = self._task
        return False if task is None else task.cancel(msg)

    def __await__(self) -> Generator[Any, Any, T_co]:
        task = self._task
        if task is not None:
            group = self._group
            if group is not None and not task.done():
                # A child that leaves its group by itself (see guard_open) is
                # awaited: as with asyncio.TaskGroup, the group must hear of its
                # end before its awaiter does (a failure then cancels the awaiter
                # in the group's body instead of reaching it).
                self._group = None
                task.add_done_callback(group._child_done)
            yield from task.__await__()
        return self.result()


new_handle: Callable[[], AsyncioTaskHandle[Any]] = functools.partial(
    object.__new__, AsyncioTaskHandle
)
"""A blank :class:`AsyncioTaskHandle` (without a Python-level call), for the group to fill in."""


class TrioTaskHandle(TaskHandle[T_co]):
    """The trio handle: the child's outcome, its own cancel scope and a lazy event."""

    __slots__ = ("_event", "_exc", "_name", "_scope", "_state_", "_value")

    def __init__(self, name: str, scope: trio.CancelScope | None) -> None:
        self._name = name
        self._scope = scope
        self._state_ = _PENDING
        self._value: Any = None
        self._exc: BaseException | None = None
        self._event: trio.Event | None = None

    @property
    def name(self) -> str:
        """The child's name: the ``name=`` it was given, or a default one."""
        return self._name

    def _finish(self, state: str, value: Any = None, exc: BaseException | None = None) -> None:
        self._state_ = state
        self._value = value
        self._exc = exc
        if self._event is not None:
            self._event.set()

    def done(self) -> bool:
        """Return whether the child has finished: returned, raised or was cancelled."""
        return self._state_ is not _PENDING

    def cancelled(self) -> bool:
        """Return whether the child finished by being cancelled."""
        return self._state_ is _CANCELLED

    def _check_done(self) -> None:
        if self._state_ is _PENDING:
            raise asyncio.InvalidStateError(f"{self!r} has not finished yet")
        if self._state_ is _CANCELLED:
            raise asyncio.CancelledError

    def result(self) -> T_co:
        """Return the child's return value, without waiting."""
        self._check_done()
        if self._exc is not None:
            raise self._exc
        result: T_co = self._value
        return result

    def exception(self) -> BaseException | None:
        """Return the exception the child raised, without waiting."""
        self._check_done()
        return self._exc

    def cancel(self, msg: str | None = None) -> bool:
        """Request the cancellation of this child only."""
        if self._state_ is not _PENDING:
            return False
        if self._scope is None:
            raise RuntimeError(
                f"{self!r} cannot be cancelled on its own: on trio, children started "
                "with start_soon() or start() run without a cancel scope of their own, "
                "as in a trio nursery; cancel the group, or start the child with "
                "create_task()"
            )
        self._scope.cancel()
        return True

    async def _wait(self) -> T_co:
        import trio

        if self._state_ is _PENDING:
            if self._event is None:
                self._event = trio.Event()
            await self._event.wait()
        else:
            await trio.lowlevel.checkpoint()
        return self.result()

    def __await__(self) -> Generator[Any, Any, T_co]:
        return self._wait().__await__()


new_trio_handle: Callable[[], TrioTaskHandle[Any]] = functools.partial(
    object.__new__, TrioTaskHandle
)
"""A blank :class:`TrioTaskHandle` (without a Python-level call), for the group to fill in."""
