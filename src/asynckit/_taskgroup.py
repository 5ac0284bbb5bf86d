"""``TaskGroup``: :class:`asyncio.TaskGroup` semantics on Python 3.10+ and on trio.

This module holds the public class: its state machine and its API. On asyncio the
group is implemented directly on asyncio (``_taskgroup_asyncio``: anyio's task group
costs several times more per child); on trio each group wraps a trio nursery
(``_taskgroup_trio``).
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import sys
import types
from typing import TYPE_CHECKING, Any, TypeVar

import sniffio

from asynckit._taskgroup_asyncio import (
    AsyncioGroupMixin,
    cancel_child,
    guard,
    guard_open,
    wait_uncancellable,
)
from asynckit._taskgroup_cancel import ParentCancellation
from asynckit._taskhandle import (
    _PENDING,
    AsyncioTaskHandle,
    TaskHandle,
    TrioTaskHandle,
    new_handle,
    new_trio_handle,
)
from asynckit._taskstatus import (
    AsyncioTaskStatus,
    call_for_coroutine,
    check_coroutine,
    check_returned_coroutine,
)
from asynckit._util import direct_task_type

if sys.version_info >= (3, 11):
    from typing import Self, TypeVarTuple, Unpack
else:  # pragma: no cover - exercised by the 3.10 test run
    from typing_extensions import Self, TypeVarTuple, Unpack

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine
    from types import TracebackType

    from asynckit._taskgroup_trio import TrioGroup

_CoroutineType = types.CoroutineType
_FunctionType = types.FunctionType

T = TypeVar("T")
PosArgsT = TypeVarTuple("PosArgsT")


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    EXITING = "exiting"
    CLOSED = "closed"


# Module constants: reading an enum member off its class is slow on Python 3.11.
_NEW, _OPEN, _EXITING, _CLOSED = _State.NEW, _State.OPEN, _State.EXITING, _State.CLOSED


def _validate_limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be a positive int or None, got {limit!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for no limit), got {limit!r}")
    return limit


class TaskGroup(AsyncioGroupMixin):
    """An async context manager that runs child tasks and waits for all of them.

    A drop-in for :class:`asyncio.TaskGroup` that works on Python 3.10+ and, through
    a trio nursery, on trio. As with asyncio's: the first child that fails cancels
    the other children and the body, and every error is raised at exit in an
    :exc:`ExceptionGroup`; a cancellation from outside is never swallowed. Unlike
    asyncio's, a :exc:`KeyboardInterrupt` or :exc:`SystemExit` raised by a child
    propagates out of the group (after the others are cancelled), and a coroutine
    refused by :meth:`create_task` is always closed.

    Args:
        limit: At most this many children run at once; the others wait, their
            coroutine not started, for a free slot. A waiting child cancelled (with
            its group) is closed, never started. ``None``: no limit.
        cancel_on_error: ``False`` turns the group into a supervisor: a failing
            child does not cancel its siblings or the body, and every error is
            collected into the exception group raised at exit. (A
            :exc:`KeyboardInterrupt`, :exc:`SystemExit` or an error in the body
            still cancels everything.)
        keep_results: Keep every child's handle so that :meth:`results` and
            :attr:`handles` report them all after exit; this costs memory for
            each child until the group is gone. ``False`` (the default), as with
            :class:`asyncio.TaskGroup`: a finished child is forgotten, so memory
            stays bounded by the running children, however many a long-lived
            group runs.

    Raises:
        TypeError: ``limit`` is not an int.
        ValueError: ``limit`` is less than 1.

    Example::

        async with TaskGroup(limit=10, keep_results=True) as tg:
            for url in urls:
                tg.create_task(fetch(url))
        pages = tg.results()

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        limit: int | None = None,
        cancel_on_error: bool = True,
        keep_results: bool = False,
    ) -> None:
        self._limit = _validate_limit(limit)
        self._cancel_on_error = cancel_on_error
        self._state = _NEW
        self._aborting = False
        self._cancel_on_enter = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._parent_task: asyncio.Task[Any] | None = None
        self._parent_cancel: ParentCancellation | None = None
        self._parent_cancel_requested = False
        self._tasks: dict[asyncio.Task[Any], AsyncioTaskHandle[Any]] = {}
        self._errors: list[BaseException] | None = []
        self._base_error: BaseException | None = None
        self._on_completed_fut: asyncio.Future[bool] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._starting: dict[asyncio.Task[Any], asyncio.Future[Any]] = {}
        self._handles: list[TaskHandle[Any]] | None = [] if keep_results else None
        self._trio: TrioGroup | None = None
        self._open_type: type[asyncio.Task[Any]] | None = None
        # create_task() may take its fast path: asyncio, open, not cancelling,
        # no limit.
        self._fast = False

    def __repr__(self) -> str:
        info = [f"state={self._state.value}"]
        running = self._running()
        if running:
            info.append(f"tasks={running}")
        errors = self._trio._errors if self._trio is not None else self._errors
        if errors:
            info.append(f"errors={len(errors)}")
        if self._aborting:
            info.append("cancelling")
        if self._limit is not None:
            info.append(f"limit={self._limit}")
        if not self._cancel_on_error:
            info.append("supervisor")
        return f"<asynckit.TaskGroup {' '.join(info)}>"

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        if self._state is not _NEW:
            raise RuntimeError(f"TaskGroup {self!r} has already been entered")
        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            library = "asyncio"
        if library == "trio":
            from asynckit._taskgroup_trio import TrioGroup

            self._trio = TrioGroup(self, self._limit, self._cancel_on_error, self._handles)
            await self._trio.enter()
            self._state = _OPEN
            if self._cancel_on_enter:
                self.cancel()
            return self
        self._loop = loop = asyncio.get_running_loop()
        self._open_type = direct_task_type(loop) if self._handles is None else None
        parent = asyncio.current_task(self._loop)
        if parent is None:
            raise RuntimeError(f"TaskGroup {self!r} cannot determine the parent task")
        self._parent_task = parent
        self._parent_cancel = ParentCancellation(parent)
        # One bound method as every child's done callback, rather than one per
        # child; dropped at exit (it refers back to the group).
        self._child_done = self._on_child_done
        self._child_done_context = contextvars.copy_context()
        if self._limit is not None:
            self._slots = asyncio.Semaphore(self._limit)
        self._state = _OPEN
        self._fast = self._slots is None
        if self._cancel_on_enter:
            self.cancel()
        return self

    async def __aexit__(
        self,
        et: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        del tb  # frames, kept alive by a traceback, can hold big objects
        try:
            if self._trio is not None:
                self._state = _EXITING
                return await self._trio.exit(et, exc)
            return await self._aexit(et, exc)
        finally:
            # Exceptions are heavy objects that can have reference cycles
            # (bad for the GC): keep none of them once the group has exited.
            self._state = _CLOSED
            if self._trio is None and not self._tasks:
                del self._child_done, self._child_done_context
            self._parent_task = None
            self._parent_cancel = None
            self._errors = None
            self._base_error = None
            exc = None

    # ------------------------------------------------------------------ spawning

    def _set_exiting(self) -> None:
        self._state = _EXITING
        self._fast = False

    def _check_can_spawn(self, coro: Coroutine[Any, Any, Any] | None) -> None:
        state = self._state
        if state is _OPEN and not self._aborting:
            return
        if state is _NEW:
            problem = "has not been entered"
        elif state is _CLOSED or (state is _EXITING and not self._running()):
            problem = "is finished: it is closed to new tasks"
        elif self._aborting:
            problem = "is shutting down: it is cancelling its tasks"
        else:
            return  # exiting, still waiting for children that may add siblings
        if coro is not None:
            coro.close()
        raise RuntimeError(f"TaskGroup {self!r} {problem}")

    def _running(self) -> int:
        return self._trio._running if self._trio is not None else len(self._tasks)

    def create_task(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> TaskHandle[T]:
        """Start ``coro`` as a child of the group and return its handle.

        Like :meth:`asyncio.TaskGroup.create_task`. With a ``limit``, the child may
        wait (not started) for a free slot.

        Args:
            coro: The coroutine to run.
            name: The child's name (:meth:`asyncio.Task.set_name`; trio's task name).
            context: The :class:`contextvars.Context` to run the child in; by
                default a copy of the current one.

        Returns:
            The child's :class:`~asynckit.TaskHandle`.

        Raises:
            TypeError: ``coro`` is not a coroutine.
            RuntimeError: The group has not been entered, is finished, or is
                shutting down (a child failed or it was cancelled); ``coro`` is
                closed first.
        """
        if self._fast and context is None and type(coro) is _CoroutineType:
            # The common case, inlined: an open asyncio group without a limit.
            handle: AsyncioTaskHandle[T] = new_handle()
            handle._coro = coro
            handle._base_exc = None
            loop: Any = self._loop
            if self._open_type is not None and loop._task_factory is None:
                # What BaseEventLoop.create_task() does then, without its frame,
                # for a child that needs no done callback (see guard_open).
                handle._group = self
                wrapper = guard_open(self, handle, coro)
                wrapper.send(None)
                try:
                    task = self._open_type(wrapper, loop=loop, name=name)
                except BaseException:
                    wrapper.close()  # and with it the child
                    raise
                handle._task = task
                self._tasks[task] = handle
            else:
                handle._group = None
                task = loop.create_task(guard(handle, coro), name=name)
                handle._task = task
                self._tasks[task] = handle
                task.add_done_callback(self._child_done, context=self._child_done_context)
            if self._handles is not None:
                self._handles.append(handle)
            if self._aborting:
                cancel_child(task, handle)  # see _spawn
            return handle
        check_coroutine(coro)
        self._check_can_spawn(coro)
        if self._trio is not None:
            return self._trio.spawn(coro, name, context, acquired=False)
        return self._spawn(coro, name, context, acquired=False)

    def start_soon(
        self,
        fn: Callable[[Unpack[PosArgsT]], Coroutine[Any, Any, T]],
        *args: Unpack[PosArgsT],
        name: str | None = None,
    ) -> TaskHandle[T]:
        """Start ``fn(*args)`` as a child of the group (anyio's and trio's spelling).

        Args:
            fn: An async function.
            *args: Its positional arguments (use :func:`functools.partial` for
                keyword arguments).
            name: The child's name.

        Returns:
            The child's :class:`~asynckit.TaskHandle`.

        Raises:
            TypeError: ``fn`` is not an async function (for example a coroutine
                object, ``fn(arg)`` instead of ``fn, arg``).
            RuntimeError: The group cannot take new children (see
                :meth:`create_task`).
        """
        trio_group = self._trio
        if (
            trio_group is not None
            and type(fn) is _FunctionType
            and self._state is _OPEN
            and not self._aborting
        ):
            # The common case on trio, inlined: an open group and an ``async def``.
            coro = fn(*args)
            if type(coro) is not _CoroutineType:
                check_returned_coroutine(fn, coro)
            if trio_group._slots is not None:
                return trio_group.spawn_soon(coro, name)
            # trio_group.spawn_soon(coro, name) without a limit, inlined
            if name is None:
                name = coro.__qualname__
            handle: TrioTaskHandle[T] = new_trio_handle()
            handle._name = name
            handle._scope = None
            handle._state_ = _PENDING
            handle._value = handle._exc = handle._event = None
            trio_group._running += 1
            if self._handles is not None:
                self._handles.append(handle)
            trio_group._start_soon(trio_group._child_plain_bound, handle, coro, name=name)
            return handle
        self._check_can_spawn(None)
        coro = call_for_coroutine(fn, args)
        if trio_group is not None:
            return trio_group.spawn_soon(coro, name)
        return self._spawn(coro, name, None, acquired=False)

    async def wait_create_task(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        name: str | None = None,
        context: contextvars.Context | None = None,
    ) -> TaskHandle[T]:
        """Wait for a free slot, then start ``coro`` as a child: back-pressure.

        A producer that adds children this way never has more than ``limit``
        children alive (running or waiting), however many it adds. Without a
        ``limit`` it starts the child at once. It always checkpoints.

        Args:
            coro: The coroutine to run.
            name: The child's name.
            context: The context to run the child in.

        Returns:
            The child's :class:`~asynckit.TaskHandle`.

        Raises:
            TypeError: ``coro`` is not a coroutine.
            RuntimeError: The group cannot take new children (see
                :meth:`create_task`), also when it started shutting down while
                this call waited. ``coro`` is closed first.
        """
        check_coroutine(coro)
        self._check_can_spawn(coro)
        if self._trio is not None:
            return await self._trio.wait_spawn(coro, name, context)
        slots = self._slots
        try:
            if slots is None or not slots.locked():
                # A free slot is taken without yielding: checkpoint anyway.
                await asyncio.sleep(0)
            if slots is not None:
                await slots.acquire()
        except BaseException:
            coro.close()
            raise
        try:
            self._check_can_spawn(coro)
        except RuntimeError:
            if slots is not None:
                slots.release()
            raise
        return self._spawn(coro, name, context, acquired=slots is not None)

    async def start(
        self,
        fn: Callable[..., Awaitable[Any]],
        *args: object,
        name: str | None = None,
    ) -> Any:
        """Start ``fn(*args, task_status=...)`` and wait until it reports it is ready.

        The task-status protocol of anyio and trio: the child calls
        ``task_status.started(value)`` (see :class:`anyio.abc.TaskStatus`), and this
        returns ``value``. Until then, an exception in the child propagates from
        here and not from the group; if this call is cancelled, so is the child.

        Args:
            fn: An async function taking a ``task_status`` keyword argument.
            *args: Its positional arguments.
            name: The child's name.

        Returns:
            The value passed to ``task_status.started()``.

        Raises:
            RuntimeError: The group cannot take new children, or the child
                returned without calling ``task_status.started()``.
            BaseException: Whatever the child raised before calling ``started()``.
        """
        self._check_can_spawn(None)
        if self._trio is not None:
            return await self._trio.start(fn, args, name)
        assert self._loop is not None
        future: asyncio.Future[Any] = self._loop.create_future()
        coro = call_for_coroutine(fn, args, {"task_status": AsyncioTaskStatus(future)})
        handle = self._spawn(coro, name, None, acquired=False)
        task = handle._task
        assert task is not None
        if not future.done():
            self._starting[task] = future
        try:
            return await future
        except asyncio.CancelledError:
            if future.cancelled():
                # start() itself was cancelled: so is the child, and we wait for it.
                handle.cancel()
                await wait_uncancellable(task)
            raise
        finally:
            self._starting.pop(task, None)
            del future

    # ------------------------------------------------------------------ cancelling

    def cancel(self) -> None:
        """Cancel the whole group: every child and the body, without an error.

        The ``async with`` block then exits normally (unless a child failed), as
        with Python 3.15's :meth:`asyncio.TaskGroup.cancel`. Called before the
        group is entered, the group is cancelled as soon as it is; called after it
        has finished, it does nothing.
        """
        if self._state is _NEW:
            self._cancel_on_enter = True
            return
        if self._state is _CLOSED or (self._state is _EXITING and not self._running()):
            return
        if self._trio is not None:
            self._aborting = True
            self._trio.cancel()
            return
        if not self._aborting:
            # (A group that aborted because a child failed has already
            # requested the cancellation of its parent task.)
            self._abort()
            self._parent_cancel_requested = True
            assert self._parent_cancel is not None
            self._parent_cancel.request()

    # ------------------------------------------------------------------ results

    @property
    def handles(self) -> list[TaskHandle[Any]]:
        """The handles of all children so far, in creation order.

        Raises:
            RuntimeError: The group was created without ``keep_results=True``.
        """
        if self._handles is None:
            raise RuntimeError(
                f"{self!r} keeps no handles: create it with TaskGroup(keep_results=True) "
                "to keep them, or keep the handles create_task() returns"
            )
        return list(self._handles)

    def results(self) -> list[Any]:
        """Return the result of every child, in creation order, once the group exited.

        Returns:
            One result per child, in the order the children were created.

        Raises:
            RuntimeError: The group has not exited yet, was created without
                ``keep_results=True``, or a child failed or was cancelled (its
                outcome is on its handle, see :attr:`handles`).
        """
        handles = self.handles
        if self._state is not _CLOSED:
            raise RuntimeError(f"{self!r} has not exited yet: results are known after exit")
        results: list[Any] = []
        for index, handle in enumerate(handles):
            if handle.cancelled():
                raise RuntimeError(f"child #{index} {handle!r} was cancelled: it has no result")
            exc = handle.exception()
            if exc is not None:
                raise RuntimeError(f"child #{index} {handle!r} failed: it has no result") from exc
            results.append(handle.result())
        return results
