"""The asyncio side of :class:`asynckit.TaskGroup`: children, errors and the exit.

The exit algorithm is CPython's ``Lib/asyncio/taskgroups.py`` in its latest form,
with the fixes not yet in every supported Python, on top of the cancellation
accounting of ``_taskgroup_cancel`` (which also covers Python 3.10).
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import types
from typing import TYPE_CHECKING, Any, TypeVar

from asynckit._taskgroup_cancel import UNCANCEL_DISARMS, ParentCancellation, cancel_is_armed
from asynckit._taskhandle import AsyncioTaskHandle, TaskHandle, new_handle
from asynckit._taskstatus import run_in_context

if sys.version_info < (3, 11):  # pragma: no cover - exercised by the 3.10 test run
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Callable, Coroutine, Generator

T = TypeVar("T")


async def guard(handle: AsyncioTaskHandle[Any], coro: Coroutine[Any, Any, T]) -> T | None:
    # A KeyboardInterrupt or SystemExit leaving a task's coroutine escapes into
    # the event loop and crashes it (python/cpython#102572); caught here, it is
    # reported to the group and raised out of ``async with`` instead.
    try:
        return await coro
    except (KeyboardInterrupt, SystemExit) as exc:
        handle._base_exc = exc
        return None


@types.coroutine
def _first_step() -> Generator[None, None, None]:
    yield


async def guard_open(
    group: AsyncioGroupMixin, handle: AsyncioTaskHandle[Any], coro: Coroutine[Any, Any, T]
) -> T | None:
    # The child of an open group without a limit that keeps no results, created
    # by TaskGroup.create_task(). The group advances this coroutine to its first
    # suspension before it makes the task, so that whatever happens to the task,
    # even a cancellation before its first step, runs code below. Then a child
    # that returns needs no done callback: it leaves the group here, which saves
    # what the loop spends to schedule and run a callback, for each child.
    #
    # Unless the child is awaited (handle.__await__): its awaiter must not hear of
    # its end before the group does, so the group's done callback is registered
    # then, and ``handle._group`` is cleared to say so.
    try:
        await _first_step()  # the task's first step resumes from here
    except BaseException:
        # Cancelled before its first step (or closed): the child never starts.
        task = getattr(handle, "_task", None)  # None: the task could not be made
        if task is not None and handle._group is not None:
            task.add_done_callback(group._child_done)
        coro.close()
        raise
    try:
        result = await coro
    except (KeyboardInterrupt, SystemExit) as exc:
        # See guard().
        handle._base_exc = exc
        if handle._group is not None:
            handle._task.add_done_callback(group._child_done)  # type: ignore[union-attr]
        return None
    except BaseException:
        # Failed or cancelled: the done callback reads the outcome once the task
        # has it (which also marks its exception retrieved).
        if handle._group is not None:
            handle._task.add_done_callback(group._child_done)  # type: ignore[union-attr]
        raise
    if handle._group is not None:
        tasks = group._tasks
        del tasks[handle._task]  # type: ignore[arg-type]
        if not tasks and group._on_completed_fut is not None:
            group._wake_exit()
    return result


_GUARD_OPEN_CODE = guard_open.__code__


async def guard_limited(
    group: AsyncioGroupMixin,
    handle: AsyncioTaskHandle[Any],
    coro: Coroutine[Any, Any, T],
    slots: asyncio.Semaphore,
) -> T | None:
    if not handle._holds_slot:
        if group._aborting:
            # Shut down before this child got a slot: it never starts.
            coro.close()
            raise asyncio.CancelledError
        try:
            await slots.acquire()
        except BaseException:
            # Cancelled while waiting for a slot: the coroutine never starts.
            coro.close()
            raise
        handle._holds_slot = True
    try:
        return await coro
    except (KeyboardInterrupt, SystemExit) as exc:
        handle._base_exc = exc
        return None
    finally:
        handle._holds_slot = False
        slots.release()


class AsyncioGroupMixin:
    """Children, errors and the exit of a task group running on asyncio."""

    _aborting: bool
    _cancel_on_error: bool
    _errors: list[BaseException] | None
    _base_error: BaseException | None
    _fast: bool
    _handles: list[TaskHandle[Any]] | None
    _loop: asyncio.AbstractEventLoop | None
    _on_completed_fut: asyncio.Future[bool] | None
    _parent_cancel: ParentCancellation | None
    _parent_cancel_requested: bool
    _parent_task: asyncio.Task[Any] | None
    _slots: asyncio.Semaphore | None
    _starting: dict[asyncio.Task[Any], asyncio.Future[Any]]
    _tasks: dict[asyncio.Task[Any], AsyncioTaskHandle[Any]]
    _child_done: Callable[[asyncio.Task[Any]], None]

    def _set_exiting(self) -> None:
        raise NotImplementedError

    async def _aexit(self, et: type[BaseException] | None, exc: BaseException | None) -> bool:
        assert self._loop is not None
        assert self._parent_cancel is not None
        assert self._errors is not None
        self._set_exiting()
        parent_cancel = self._parent_cancel

        if exc is not None and is_base_error(exc) and self._base_error is None:
            self._base_error = exc

        propagate_cancellation_error: BaseException | None = None
        if et is not None and issubclass(et, asyncio.CancelledError):
            assert exc is not None
            propagate_cancellation_error = exc
            parent_cancel.observe(exc)

        if et is not None and not self._aborting:
            # The body is being cancelled (``await ...`` raised CancelledError)
            # or raised (``1 / 0`` inside ``async with``): cancel the children.
            self._abort()

        # A loop, because the parent task can be cancelled repeatedly while it
        # waits here (or once, while the group's own cancellation is in flight).
        pending_cancellation_error: BaseException | None = None
        while self._tasks:
            self._on_completed_fut = self._loop.create_future()
            try:
                await self._on_completed_fut
            except asyncio.CancelledError as ex:
                pending_cancellation_error = ex
                parent_cancel.observe(ex)
                if not self._aborting:
                    # ``wrapper()`` is cancelled while ``foo`` still runs:
                    #     async def wrapper():
                    #         async with TaskGroup() as g:
                    #             g.create_task(foo())
                    propagate_cancellation_error = ex
                    self._abort()
            self._on_completed_fut = None

        if (
            not UNCANCEL_DISARMS
            and self._parent_cancel_requested
            and cancel_is_armed(self._parent_task)  # type: ignore[arg-type]
        ):
            # Our cancellation was requested while the parent task was running
            # (an eager child failed inside create_task(), or the body called
            # cancel()) and no await has delivered it yet. Before 3.13 uncancel()
            # would leave it armed, to hit the code after the group: take it here.
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError as ex:
                pending_cancellation_error = ex
                parent_cancel.observe(ex)

        assert not self._tasks

        if self._parent_cancel_requested:
            # We cancelled the parent task: withdraw that request. Only a
            # cancellation requested by someone else may propagate.
            if parent_cancel.release() == 0:
                propagate_cancellation_error = None
            elif propagate_cancellation_error is None:
                # The remaining cancellation is not ours: do not drop it.
                propagate_cancellation_error = pending_cancellation_error
            self._parent_cancel_requested = False

        if self._base_error is not None:
            # A KeyboardInterrupt or SystemExit propagates alone; report the
            # other errors it would hide instead of losing them (gh-135736).
            for suppressed in self._errors:
                if suppressed is not self._base_error:
                    self._loop.call_exception_handler(
                        {
                            "message": "TaskGroup task exception was not propagated "
                            "because the group is being closed with a BaseException",
                            "exception": suppressed,
                            "task_group": self,
                        }
                    )
            try:
                raise self._base_error
            finally:
                exc = None

        # A CancelledError propagates unless there are errors: those win.
        try:
            if propagate_cancellation_error is not None and not self._errors:
                try:
                    raise propagate_cancellation_error
                finally:
                    exc = None
        finally:
            propagate_cancellation_error = None

        if et is not None and not issubclass(et, asyncio.CancelledError):
            assert exc is not None
            self._errors.append(exc)

        if self._errors:
            parent_cancel.recancel_if_cancelling()
            try:
                if et is not None and issubclass(et, GeneratorExit) and len(self._errors) == 1:
                    # ``aclose()`` of an async generator suspended in the body: a
                    # lone GeneratorExit propagates as itself for the generator
                    # to swallow.
                    assert exc is not None
                    raise exc
                raise BaseExceptionGroup("unhandled errors in a TaskGroup", self._errors) from None
            finally:
                exc = None
        return True

    def _spawn(
        self,
        coro: Coroutine[Any, Any, T],
        name: str | None,
        context: contextvars.Context | None,
        *,
        acquired: bool,
    ) -> AsyncioTaskHandle[T]:
        assert self._loop is not None
        handle = new_handle()
        handle._coro = coro
        handle._group = None  # the group's done callback hears of this child
        handle._base_exc = None
        slots = self._slots
        wrapper: Coroutine[Any, Any, Any]
        if slots is None:
            wrapper = guard(handle, coro)
        else:
            handle._holds_slot = acquired
            wrapper = guard_limited(self, handle, coro, slots)
        if context is None:
            task = self._loop.create_task(wrapper, name=name)
        elif sys.version_info >= (3, 11):
            task = self._loop.create_task(wrapper, name=name, context=context)
        else:
            task = self._loop.create_task(run_in_context(wrapper, context), name=name)
        handle._task = task
        # The done callback is always scheduled, even for a task that already
        # finished eagerly: run now, a failure would cancel the parent before it
        # joins the group (gh-128550).
        self._tasks[task] = handle
        task.add_done_callback(self._child_done)
        if self._handles is not None:
            self._handles.append(handle)
        if self._aborting:
            # An eager child failed inside create_task() and aborted the group
            # before this task joined it (gh-155418 upstream).
            cancel_child(task, handle)
        return handle

    def _abort(self) -> None:
        self._aborting = True
        self._fast = False
        for task, handle in self._tasks.items():
            cancel_child(task, handle)

    def _on_child_done(self, task: asyncio.Task[Any]) -> None:
        # Every child's done callback. The common case (a child that returned)
        # costs what asyncio.TaskGroup's does: the rest is in _on_task_done().
        handle = self._tasks.pop(task)
        if self._on_completed_fut is not None and not self._tasks:
            self._wake_exit()
        if (
            task.cancelled()
            or task.exception() is not None
            or handle._base_exc is not None
            or self._starting
        ):
            self._on_task_done(handle, task)
        if self._handles is not None:
            handle._settle(task)

    def _wake_exit(self) -> None:
        fut = self._on_completed_fut
        if fut is not None and not fut.done():
            fut.set_result(True)

    def _on_task_done(self, handle: AsyncioTaskHandle[Any], task: asyncio.Task[Any]) -> None:
        # A child was cancelled or failed, or start() waits for it (the
        # handle's done callback handled the rest).
        starting = self._starting.pop(task, None) if self._starting else None
        if task.cancelled():
            # A child cancelled before its first step (or while waiting for a
            # slot) never ran its coroutine: close it, or it warns "never awaited".
            coro = handle._coro
            assert coro is not None
            try:
                coro.close()
            except Exception as close_exc:  # it ignored GeneratorExit
                # Raised by closing the child: its error (as with guard_open).
                close_error: Exception | None = close_exc
            else:
                close_error = None
            if self._slots is not None and handle._holds_slot:
                # Cancelled before its first step, holding the slot that
                # wait_create_task() acquired for it.
                handle._holds_slot = False
                assert self._slots is not None
                self._slots.release()
            if starting is not None and not starting.done():
                starting.set_exception(RuntimeError(f"{handle!r} was cancelled before it started"))
            if close_error is not None:
                self._record_error(close_error, task)
            return

        exc = handle._base_exc
        if exc is None:
            exc = task.exception()
        if starting is not None and not starting.done():
            # Before task_status.started(), the child belongs to start()'s caller.
            starting.set_exception(
                exc
                if exc is not None
                else RuntimeError(f"{handle!r} returned without calling task_status.started()")
            )
            return
        if exc is None:
            return
        self._record_error(exc, task)

    def _record_error(self, exc: BaseException, task: asyncio.Task[Any]) -> None:
        assert self._errors is not None
        assert self._parent_task is not None
        self._errors.append(exc)
        base = is_base_error(exc)
        if base and self._base_error is None:
            self._base_error = exc
        if self._parent_task.done():
            assert self._loop is not None
            self._loop.call_exception_handler(
                {
                    "message": f"Task {task!r} has errored out but its parent "
                    f"task {self._parent_task} is already completed",
                    "exception": exc,
                    "task": task,
                }
            )
            return
        if not (self._cancel_on_error or base):
            return  # a supervisor keeps the others running
        if not self._aborting and not self._parent_cancel_requested:
            # Interrupt the body: cancel the parent task, and withdraw that
            # request in __aexit__ so that only outside cancellations propagate.
            #     async with TaskGroup() as g:
            #         g.create_task(crash_soon())
            #         await something  # <- cancelled by the group
            self._abort()
            self._parent_cancel_requested = True
            assert self._parent_cancel is not None
            self._parent_cancel.request()


async def wait_uncancellable(task: asyncio.Task[Any]) -> None:
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:  # noqa: PERF203 - waiting out a cancelled child
            continue


def cancel_child(task: asyncio.Task[Any], handle: AsyncioTaskHandle[Any]) -> None:
    if task.done():
        return
    coro = task.get_coro()
    if getattr(coro, "cr_code", None) is _GUARD_OPEN_CODE:
        # Advanced to its first step by create_task(): look at the child.
        created = inspect.getcoroutinestate(handle._coro) == inspect.CORO_CREATED  # type: ignore[arg-type]
    elif inspect.iscoroutine(coro):
        created = inspect.getcoroutinestate(coro) == inspect.CORO_CREATED
    else:  # run_in_context() on Python 3.10
        created = inspect.getgeneratorstate(coro) == inspect.GEN_CREATED  # type: ignore[arg-type]
    if created:
        # Not started yet: cancelled now, its coroutine would never run at all,
        # not even its ``finally`` blocks (python/cpython#116048). Its first
        # step is already scheduled; cancelling it right after lets it run up to
        # its first await and see the cancellation there, as in trio.
        task.get_loop().call_soon(task.cancel)
    else:
        task.cancel()


def is_base_error(exc: BaseException) -> bool:
    return isinstance(exc, (SystemExit, KeyboardInterrupt))
