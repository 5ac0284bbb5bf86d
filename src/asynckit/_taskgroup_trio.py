"""The trio side of :class:`asynckit.TaskGroup`: asyncio.TaskGroup semantics on a nursery.

A trio nursery already cancels the body and the other children when one fails and
raises every error in an exception group; this module adds what asyncio's group does
differently: handles with results, a :exc:`KeyboardInterrupt` or :exc:`SystemExit`
raised alone, a cancellation propagating as a bare ``trio.Cancelled`` (never wrapped
in a group), ``RuntimeError`` for children added to a group that is shutting down,
slot limits and the supervisor mode.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

import trio

from asynckit._taskhandle import (
    _CANCELLED,
    _FAILED,
    _FINISHED,
    _PENDING,
    TrioTaskHandle,
    new_trio_handle,
)
from asynckit._taskstatus import call_for_coroutine, run_in_context

if sys.version_info < (3, 11):  # pragma: no cover - exercised by the 3.10 test run
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Callable, Coroutine

    from asynckit._taskgroup import TaskGroup
    from asynckit._taskhandle import TaskHandle


def _is_cancellation(exc: BaseException) -> bool:
    if isinstance(exc, trio.Cancelled):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return exc.split(trio.Cancelled)[1] is None
    return False


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _default_name(fn: object) -> str:
    name = getattr(fn, "__qualname__", None)
    return name if type(name) is str else repr(fn)


_CoroutineType = types.CoroutineType


class _StartStatus:
    """Forwards ``started()`` to trio's task status and remembers that it was called."""

    __slots__ = ("is_started", "real")

    def __init__(self, real: trio.TaskStatus[Any]) -> None:
        self.real = real
        self.is_started = False

    def started(self, value: Any = None) -> None:
        self.real.started(value)
        self.is_started = True


class TrioGroup:
    """The state a :class:`~asynckit.TaskGroup` keeps on trio: its nursery and children."""

    __slots__ = (
        "_cancel_on_error",
        "_child_plain_bound",
        "_errors",
        "_handles",
        "_manager",
        "_nursery",
        "_owner",
        "_running",
        "_slots",
        "_start_soon",
    )

    def __init__(
        self,
        owner: TaskGroup,
        limit: int | None,
        cancel_on_error: bool,
        handles: list[TaskHandle[Any]] | None,
    ) -> None:
        self._owner = owner
        self._cancel_on_error = cancel_on_error
        self._handles = handles
        self._slots = trio.Semaphore(limit) if limit is not None else None
        self._running = 0
        self._errors: list[BaseException] = []
        self._manager = trio.open_nursery(strict_exception_groups=True)
        self._nursery: trio.Nursery = None  # type: ignore[assignment]
        self._child_plain_bound = self._child_plain

    async def enter(self) -> None:
        self._nursery = await self._manager.__aenter__()
        self._start_soon = self._nursery.start_soon

    def cancel(self) -> None:
        self._nursery.cancel_scope.cancel()

    def spawn_soon(self, coro: Coroutine[Any, Any, Any], name: str | None) -> TrioTaskHandle[Any]:
        """`spawn` for ``start_soon``: no context, no cancel scope of its own."""
        if name is None:
            name = coro.__qualname__ if type(coro) is _CoroutineType else _default_name(coro)
        # TrioTaskHandle(name, None), without an __init__ call
        handle: TrioTaskHandle[Any] = new_trio_handle()
        handle._name = name
        handle._scope = None
        handle._state_ = _PENDING
        handle._value = handle._exc = handle._event = None
        self._running += 1
        if self._handles is not None:
            self._handles.append(handle)
        if self._slots is None:
            self._nursery.start_soon(self._child_plain_bound, handle, coro, name=name)
        else:
            self._nursery.start_soon(self._child, handle, coro, False, None, name=name)
        return handle

    def spawn(
        self,
        coro: Coroutine[Any, Any, Any],
        name: str | None,
        context: contextvars.Context | None,
        *,
        acquired: bool,
    ) -> TrioTaskHandle[Any]:
        """Start a ``create_task`` child: in a cancel scope of its own, for its handle."""
        handle: TrioTaskHandle[Any] = TrioTaskHandle(
            name if name is not None else _default_name(coro), trio.CancelScope()
        )
        if context is not None:
            coro = run_in_context(coro, context)
        self._running += 1
        if self._handles is not None:
            self._handles.append(handle)
        self._nursery.start_soon(
            self._child_in_scope, handle, coro, acquired, None, name=handle._name
        )
        return handle

    async def wait_spawn(
        self,
        coro: Coroutine[Any, Any, Any],
        name: str | None,
        context: contextvars.Context | None,
    ) -> TrioTaskHandle[Any]:
        slots = self._slots
        try:
            if slots is None:
                await trio.lowlevel.checkpoint()
            else:
                await slots.acquire()
        except BaseException:
            coro.close()
            raise
        try:
            self._owner._check_can_spawn(coro)
        except RuntimeError:
            if slots is not None:
                slots.release()
            raise
        return self.spawn(coro, name, context, acquired=slots is not None)

    async def start(self, fn: Callable[..., Any], args: tuple[Any, ...], name: str | None) -> Any:
        handle: TrioTaskHandle[Any] = TrioTaskHandle(
            name if name is not None else _default_name(fn), None
        )

        async def run_with_status(*, task_status: trio.TaskStatus[Any]) -> None:
            status = _StartStatus(task_status)
            coro = call_for_coroutine(fn, args, {"task_status": status})
            self._running += 1
            await self._child(handle, coro, False, status)

        if self._handles is not None:
            self._handles.append(handle)
        return await self._nursery.start(run_with_status, name=handle._name)

    async def _child_in_scope(
        self,
        handle: TrioTaskHandle[Any],
        coro: Coroutine[Any, Any, Any],
        acquired: bool,
        status: _StartStatus | None,
    ) -> None:
        assert handle._scope is not None
        with handle._scope:
            await self._child(handle, coro, acquired, status)

    async def _child_plain(
        self, handle: TrioTaskHandle[Any], coro: Coroutine[Any, Any, Any]
    ) -> None:
        # The common case of _child, kept lean: no slot, no task status.
        try:
            value = await coro
        except BaseException as exc:
            if self._child_failed(handle, exc, None):
                raise
        else:
            # handle._finish(_FINISHED, value), inlined
            handle._state_ = _FINISHED
            handle._value = value
            if handle._event is not None:
                handle._event.set()
        finally:
            self._running -= 1
            del handle, coro

    async def _child(
        self,
        handle: TrioTaskHandle[Any],
        coro: Coroutine[Any, Any, Any],
        acquired: bool,
        status: _StartStatus | None,
    ) -> None:
        slots = self._slots
        try:
            if slots is not None and not acquired:
                try:
                    await slots.acquire()
                except BaseException:
                    # Cancelled while waiting for a slot: never started.
                    coro.close()
                    raise
            try:
                value = await coro
            except BaseException as exc:
                if self._child_failed(handle, exc, status):
                    raise
            else:
                handle._finish(_FINISHED, value)
            finally:
                if slots is not None:
                    slots.release()
        finally:
            self._running -= 1
            if not handle.done():
                handle._finish(_CANCELLED)
            del handle, coro

    def _child_failed(
        self, handle: TrioTaskHandle[Any], exc: BaseException, status: _StartStatus | None
    ) -> bool:
        """Record a child's exception; return whether it propagates into the nursery."""
        if _is_cancellation(exc):
            handle._finish(_CANCELLED)
            return True
        handle._finish(_FAILED, exc=exc)
        started = status is None or status.is_started
        if not self._cancel_on_error and isinstance(exc, Exception) and started:
            self._errors.append(exc)
            return False
        if started:
            self._owner._aborting = True
        return True

    async def exit(self, et: type[BaseException] | None, exc: BaseException | None) -> bool:
        if et is not None:
            self._owner._aborting = True
        try:
            await self._manager.__aexit__(et, exc, None)
        except BaseException as raised:
            error: BaseException | None = raised
        else:
            error = None
        try:
            return self._raise(error)
        finally:
            error = exc = None
            del self._child_plain_bound, self._start_soon  # reference cycles

    def _raise(self, error: BaseException | None) -> bool:
        collected = self._errors
        if error is None:
            if collected:
                raise BaseExceptionGroup("unhandled errors in a TaskGroup", collected)
            return True
        if isinstance(error, BaseExceptionGroup):
            base, _ = error.split((KeyboardInterrupt, SystemExit))
            if base is not None:
                # Raised alone, as by asyncio's group; the group it came in stays
                # attached as __context__ so the other errors are not lost.
                raise _first_leaf(base)
            cancelled, rest = error.split(trio.Cancelled)
            if rest is None:
                if collected:
                    # trio cancellation is level-triggered: the enclosing scope
                    # raises Cancelled again at the next checkpoint.
                    raise BaseExceptionGroup("unhandled errors in a TaskGroup", collected)
                assert cancelled is not None
                # A cancellation from outside propagates bare, never in a group.
                raise _first_leaf(cancelled) from None
            raise BaseExceptionGroup(
                "unhandled errors in a TaskGroup", [*rest.exceptions, *collected]
            ) from None
        # With strict exception groups a nursery raises nothing but groups.
        raise error  # pragma: no cover
