"""``TaskGroup``: :class:`asyncio.TaskGroup` semantics on Python 3.10+ and on trio.

On asyncio the group is implemented directly on asyncio (anyio's task group costs
several times more per child); the exit algorithm follows CPython's
``Lib/asyncio/taskgroups.py`` in its latest form, including the fixes not yet in every
supported Python. On trio each group wraps a trio nursery (``_taskgroup_trio``).
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import sys
import types
from typing import TYPE_CHECKING, Any, TypeVar

import sniffio

from asynckit._taskgroup_cancel import UNCANCEL_DISARMS, ParentCancellation, cancel_is_armed
from asynckit._taskhandle import AsyncioTaskHandle, TaskHandle
from asynckit._taskstatus import (
    AsyncioTaskStatus,
    call_for_coroutine,
    check_coroutine,
    run_in_context,
)

if sys.version_info >= (3, 11):
    from typing import Self, TypeVarTuple, Unpack
else:  # pragma: no cover - exercised by the 3.10 test run
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]
    from typing_extensions import Self, TypeVarTuple, Unpack

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Awaitable, Callable, Coroutine
    from types import TracebackType

    from asynckit._taskgroup_trio import TrioGroup

_CoroutineType = types.CoroutineType

T = TypeVar("T")
PosArgsT = TypeVarTuple("PosArgsT")


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    EXITING = "exiting"
    CLOSED = "closed"


async def _guard(handle: AsyncioTaskHandle[Any], coro: Coroutine[Any, Any, T]) -> T | None:
    # A KeyboardInterrupt or SystemExit leaving a task's coroutine escapes into
    # the event loop and crashes it (python/cpython#102572); caught here, it is
    # reported to the group and raised out of ``async with`` instead.
    try:
        return await coro
    except (KeyboardInterrupt, SystemExit) as exc:
        handle._base_exc = exc
        return None


async def _guard_limited(
    handle: AsyncioTaskHandle[Any], coro: Coroutine[Any, Any, T], slots: asyncio.Semaphore
) -> T | None:
    if not handle._holds_slot:
        if handle._group._aborting:  # type: ignore[union-attr]
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


def _validate_limit(limit: int | None) -> int | None:
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be a positive int or None, got {limit!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for no limit), got {limit!r}")
    return limit


class TaskGroup:
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
            :attr:`handles` report them all after exit. ``False`` keeps memory
            bounded by the running children, for groups that run millions.

    Raises:
        TypeError: ``limit`` is not an int.
        ValueError: ``limit`` is less than 1.

    Example::

        async with TaskGroup(limit=10) as tg:
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
        keep_results: bool = True,
    ) -> None:
        self._limit = _validate_limit(limit)
        self._cancel_on_error = cancel_on_error
        self._state = _State.NEW
        self._aborting = False
        self._cancel_on_enter = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._parent_task: asyncio.Task[Any] | None = None
        self._parent_cancel: ParentCancellation | None = None
        self._parent_cancel_requested = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._errors: list[BaseException] | None = []
        self._base_error: BaseException | None = None
        self._on_completed_fut: asyncio.Future[bool] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._starting: dict[asyncio.Task[Any], asyncio.Future[Any]] = {}
        self._handles: list[TaskHandle[Any]] | None = [] if keep_results else None
        self._trio: TrioGroup | None = None
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
        if self._state is not _State.NEW:
            raise RuntimeError(f"TaskGroup {self!r} has already been entered")
        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            library = "asyncio"
        if library == "trio":
            from asynckit._taskgroup_trio import TrioGroup

            self._trio = TrioGroup(self, self._limit, self._cancel_on_error, self._handles)
            await self._trio.enter()
            self._state = _State.OPEN
            if self._cancel_on_enter:
                self.cancel()
            return self
        self._loop = asyncio.get_running_loop()
        parent = asyncio.current_task(self._loop)
        if parent is None:
            raise RuntimeError(f"TaskGroup {self!r} cannot determine the parent task")
        self._parent_task = parent
        self._parent_cancel = ParentCancellation(parent)
        if self._limit is not None:
            self._slots = asyncio.Semaphore(self._limit)
        self._state = _State.OPEN
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
                self._state = _State.EXITING
                return await self._trio.exit(et, exc)
            return await self._aexit(et, exc)
        finally:
            # Exceptions are heavy objects that can have reference cycles
            # (bad for the GC): keep none of them once the group has exited.
            self._state = _State.CLOSED
            self._parent_task = None
            self._parent_cancel = None
            self._errors = None
            self._base_error = None
            exc = None

    async def _aexit(self, et: type[BaseException] | None, exc: BaseException | None) -> bool:
        assert self._loop is not None
        assert self._parent_cancel is not None
        assert self._errors is not None
        self._state = _State.EXITING
        self._fast = False
        parent_cancel = self._parent_cancel

        if exc is not None and _is_base_error(exc) and self._base_error is None:
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

    # ------------------------------------------------------------------ spawning

    def _check_can_spawn(self, coro: Coroutine[Any, Any, Any] | None) -> None:
        state = self._state
        if state is _State.OPEN and not self._aborting:
            return
        if state is _State.NEW:
            problem = "has not been entered"
        elif state is _State.CLOSED or (state is _State.EXITING and not self._running()):
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
            handle: AsyncioTaskHandle[T] = AsyncioTaskHandle(coro, self)
            task = self._loop.create_task(_guard(handle, coro), name=name)  # type: ignore[union-attr]
            handle._task = task
            self._tasks.add(task)
            task.add_done_callback(handle._on_done)
            if self._handles is not None:
                self._handles.append(handle)
            if self._aborting:
                _cancel_child(task)  # see _spawn
            return handle
        check_coroutine(coro)
        self._check_can_spawn(coro)
        if self._trio is not None:
            return self._trio.spawn(coro, name, context, acquired=False, cancellable=True)
        return self._spawn(coro, name, context, acquired=False)

    def _spawn(
        self,
        coro: Coroutine[Any, Any, T],
        name: str | None,
        context: contextvars.Context | None,
        *,
        acquired: bool,
    ) -> AsyncioTaskHandle[T]:
        assert self._loop is not None
        handle: AsyncioTaskHandle[T] = AsyncioTaskHandle(coro, self)
        slots = self._slots
        wrapper: Coroutine[Any, Any, Any]
        if slots is None:
            wrapper = _guard(handle, coro)
        else:
            handle._holds_slot = acquired
            wrapper = _guard_limited(handle, coro, slots)
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
        self._tasks.add(task)
        task.add_done_callback(handle._on_done)
        if self._handles is not None:
            self._handles.append(handle)
        if self._aborting:
            # An eager child failed inside create_task() and aborted the group
            # before this task joined it (gh-155418 upstream).
            _cancel_child(task)
        return handle

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
        self._check_can_spawn(None)
        coro = call_for_coroutine(fn, args)
        if self._trio is not None:
            return self._trio.spawn(coro, name, None, acquired=False, cancellable=False)
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
        if not future.done():
            self._starting[handle._task] = future
        try:
            return await future
        except asyncio.CancelledError:
            if future.cancelled():
                # start() itself was cancelled: so is the child, and we wait for it.
                handle.cancel()
                await _wait_uncancellable(handle._task)
            raise
        finally:
            self._starting.pop(handle._task, None)
            del future

    # ------------------------------------------------------------------ cancelling

    def cancel(self) -> None:
        """Cancel the whole group: every child and the body, without an error.

        The ``async with`` block then exits normally (unless a child failed), as
        with Python 3.15's :meth:`asyncio.TaskGroup.cancel`. Called before the
        group is entered, the group is cancelled as soon as it is; called after it
        has finished, it does nothing.
        """
        if self._state is _State.NEW:
            self._cancel_on_enter = True
            return
        if self._state is _State.CLOSED or (self._state is _State.EXITING and not self._running()):
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

    def _abort(self) -> None:
        self._aborting = True
        self._fast = False
        for task in self._tasks:
            _cancel_child(task)

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
            handle._coro.close()
            if handle._holds_slot:
                # Cancelled before its first step, holding the slot that
                # wait_create_task() acquired for it.
                handle._holds_slot = False
                assert self._slots is not None
                self._slots.release()
            if starting is not None and not starting.done():
                starting.set_exception(RuntimeError(f"{handle!r} was cancelled before it started"))
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
        base = _is_base_error(exc)
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

    # ------------------------------------------------------------------ results

    @property
    def handles(self) -> list[TaskHandle[Any]]:
        """The handles of all children so far, in creation order.

        Raises:
            RuntimeError: The group was created with ``keep_results=False``.
        """
        if self._handles is None:
            raise RuntimeError(f"{self!r} keeps no handles: it was created with keep_results=False")
        return list(self._handles)

    def results(self) -> list[Any]:
        """Return the result of every child, in creation order, once the group exited.

        Returns:
            One result per child, in the order the children were created.

        Raises:
            RuntimeError: The group has not exited yet, was created with
                ``keep_results=False``, or a child failed or was cancelled (its
                outcome is on its handle, see :attr:`handles`).
        """
        handles = self.handles
        if self._state is not _State.CLOSED:
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


async def _wait_uncancellable(task: asyncio.Task[Any]) -> None:
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:  # noqa: PERF203 - waiting out a cancelled child
            continue


def _cancel_child(task: asyncio.Task[Any]) -> None:
    if task.done():
        return
    coro = task.get_coro()
    if inspect.iscoroutine(coro):
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


def _is_base_error(exc: BaseException) -> bool:
    return isinstance(exc, (SystemExit, KeyboardInterrupt))
