"""Tasks a test leaves pending, for the pytest plugin: tracked from creation to the test's end.

Under pytest-asyncio and anyio's pytest plugin the event loop belongs to a runner (an
``asyncio.Runner`` or a copy of it) that may outlive the test (a loop scoped to the module,
an anyio runner kept open by a module-scoped async fixture) and that, when it closes,
cancels whatever is still pending without a word. Neither path ends in "Task was
destroyed but it is pending", so the detector's hooks never see such a task. While a test
runs, the plugin therefore records each asyncio task the test creates (in its body or in a
function-scoped fixture) and reports those still pending:

- when a runner closes during the test, just before it cancels them (the runner then
  finishes them as it always does);
- after the test's teardown, on loops that stay open: the plugin cancels these, and they
  finish the next time their loop runs, so they do not run on into later tests.

Tasks created while a fixture of a broader scope (class, module, package, session) is
being set up belong to that fixture (a server started for the whole module), and the
runner task of anyio's test runner belongs to the runner: neither is tracked. A task in a
task group (asyncio's, anyio's or asynckit's) belongs to its group, which always waits for
or cancels it: a test may start one in a group that a module-scoped fixture holds open.
Nothing here is installed unless a test with the detection enabled is running.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

import anyio

from asynckit._debug_hooks import describe_task, loop_classes, suspended_at
from asynckit._debug_report import Finding, SourceLocation, call_site
from asynckit._taskgroup_asyncio import AsyncioGroupMixin, guard, guard_limited, guard_open

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

_ANYIO_DIR = os.path.dirname(anyio.__file__)
_GUARD_CODES = (guard.__code__, guard_limited.__code__, guard_open.__code__)
# What a task group's done callback is bound to: asyncio's group or asynckit's.
if sys.version_info >= (3, 11):
    _GROUP_OWNERS: tuple[type[Any], ...] = (AsyncioGroupMixin, asyncio.TaskGroup)
else:  # pragma: no cover - Python 3.10
    _GROUP_OWNERS = (AsyncioGroupMixin,)
_current: TaskTracker | None = None
_patched: list[tuple[Any, str, Any]] = []
_Stack = tuple[tuple[str, int, str], ...]


class TaskTracker:
    """The asyncio tasks one test created, and what it left pending."""

    def __init__(self, stack_depth: int = 8) -> None:
        self.findings: list[Finding] = []
        self.fixture_depth = 0
        """How many fixtures of a broader scope than the test are being set up."""
        self.stack_depth = stack_depth
        self._tasks: list[tuple[weakref.ref[asyncio.Task[Any]], _Stack]] = []
        self._compact_at = 1024
        self._lock = threading.Lock()

    def created(self, task: asyncio.Task[Any], frame: FrameType | None) -> None:
        """Record a task created (by the code running ``frame``) while the test runs.

        Unless a broader fixture or the test runner owns it.
        """
        if self.fixture_depth or task.done() or _is_runner_task(task):
            return
        # Where the coroutine was made (``cr_origin``, recorded by CPython while the
        # detector scope is active) is nearly always where the task was; a thread
        # that does not record origins (a loop thread started before the test) gets
        # its stack walked here. Raw, with extra frames for asyncio's and anyio's
        # before the user's: only a task reported gets its stack trimmed.
        origin = getattr(getattr(task, "_coro", None), "cr_origin", None)
        stack: _Stack = origin or _walk(frame, self.stack_depth + 16)
        with self._lock:
            self._tasks.append((weakref.ref(task), stack))
            if len(self._tasks) >= self._compact_at:
                # A test may create many tasks: forget those already finished.
                self._tasks = [(r, s) for r, s in self._tasks if (t := r()) and not t.done()]
                self._compact_at = max(1024, 2 * len(self._tasks))

    def runner_closing(self, loop: asyncio.AbstractEventLoop) -> None:
        """Report the tasks pending on ``loop``, whose runner is about to cancel them."""
        for task, created in self._take_pending(loop):
            self._report(task, created, "its event loop's runner cancelled it on closing")

    def finish(self) -> list[Finding]:
        """Report, and stop, the tasks still pending after the test's teardown."""
        for task, created in self._take_pending(None):
            loop = task.get_loop()
            # Reported once here: not again by asyncio (nor by a later test's
            # detector) if the task is destroyed while still pending.
            task._log_destroy_pending = False  # type: ignore[attr-defined]
            if loop.is_closed():
                note = "its event loop is closed"
            else:
                note = "cancelled; it finishes the next time its event loop runs"
                if loop.is_running():  # a loop in another thread (a LoopThread)
                    loop.call_soon_threadsafe(task.cancel)
                else:
                    task.cancel()
            self._report(task, created, note)
        return self.findings

    def _take_pending(
        self, loop: asyncio.AbstractEventLoop | None
    ) -> list[tuple[asyncio.Task[Any], _Stack]]:
        """Stop tracking, and return, the pending tasks (of ``loop``, when given)."""
        pending: list[tuple[asyncio.Task[Any], _Stack]] = []
        kept: list[tuple[weakref.ref[asyncio.Task[Any]], _Stack]] = []
        with self._lock:
            for ref, created in self._tasks:
                task = ref()
                if task is None or task.done():
                    continue
                if loop is not None and task.get_loop() is not loop:
                    kept.append((ref, created))
                elif not _cancel_requested(task) and not _in_task_group(task):
                    pending.append((task, created))
            self._tasks = kept
        return pending

    def _report(self, task: asyncio.Task[Any], stack: _Stack, note: str) -> None:
        name, coro, origin = describe_task(task, getattr(task, "_source_traceback", None))
        created = call_site(SourceLocation(*frame) for frame in stack)[: self.stack_depth]
        created = created or origin
        where = suspended_at(coro)
        self.findings.append(
            Finding(
                kind="task-left-pending",
                name=name,
                created_at=created,
                detail=f"{where}; {note}" if where else note,
                thread=threading.current_thread().name,
            )
        )


def _walk(frame: FrameType | None, limit: int) -> _Stack:
    """The stack from ``frame`` outwards, as ``cr_origin`` gives it, at most ``limit`` deep."""
    stack: list[tuple[str, int, str]] = []
    while frame is not None and len(stack) < limit:
        code = frame.f_code
        stack.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return tuple(stack)


def _cancel_requested(task: asyncio.Task[Any]) -> bool:
    """Whether someone already asked ``task`` to stop (and its loop can still finish it).

    A fixture that calls ``task.cancel()`` at teardown without awaiting the task
    leaves it pending only until its loop runs again; that is not a leak.
    """
    if task.get_loop().is_closed():
        return False
    if sys.version_info >= (3, 11):
        return task.cancelling() > 0
    return _cancel_delivered(task)  # pragma: no cover - Python 3.10


def _cancel_delivered(task: asyncio.Task[Any]) -> bool:  # pragma: no cover - Python 3.10
    """Whether ``task`` was cancelled, where there is no ``Task.cancelling()``.

    A cancellation requested is either due at the task's next step, or
    delivered to the future the task waits on.
    """
    waiter = getattr(task, "_fut_waiter", None)
    return bool(getattr(task, "_must_cancel", False)) or (waiter is not None and waiter.cancelled())


def _in_task_group(task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` is a child of a task group, found by its coroutine or done callback."""
    if getattr(task.get_coro(), "cr_code", None) in _GUARD_CODES:
        return True  # asynckit's children run in one of its group's guards
    # ``_callbacks`` lists (callback, context) pairs in the C and Python futures alike.
    for callback, _ in getattr(task, "_callbacks", None) or ():
        if isinstance(getattr(callback, "__self__", None), _GROUP_OWNERS):
            return True
        code = getattr(callback, "__code__", None)
        if (
            code is not None
            and code.co_filename.startswith(_ANYIO_DIR)
            and callback.__qualname__ == "TaskGroup._spawn.<locals>.task_done"
        ):
            return True
    return False


def _is_runner_task(task: asyncio.Task[Any]) -> bool:
    """Whether ``task`` is the task anyio's test runner runs tests and fixtures in."""
    coro = getattr(task, "_coro", None)
    code = getattr(coro, "cr_code", None)
    return (
        code is not None
        and code.co_filename.startswith(_ANYIO_DIR)
        and getattr(coro, "__qualname__", "") == "TestRunner._run_tests_and_fixtures"
    )


def _runner_classes() -> list[type[Any]]:
    """``asyncio.Runner`` and the copies of it that pytest's async plugins may use."""
    classes: list[type[Any]] = []
    runner = getattr(asyncio, "Runner", None)  # Python 3.11+
    if isinstance(runner, type):  # pragma: no branch
        classes.append(runner)
    candidates = [importlib.import_module("anyio._backends._asyncio")]
    backport = sys.modules.get("backports.asyncio.runner")  # pytest-asyncio on Python 3.10
    if backport is not None:  # pragma: no cover - Python 3.10
        candidates.append(backport)
    for module in candidates:
        cls = getattr(module, "Runner", None)
        if isinstance(cls, type) and cls not in classes:  # pragma: no cover - Python 3.10
            classes.append(cls)
    return classes


def _wrap_create_task(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_task(self: Any, coro: Any, *args: Any, **kwargs: Any) -> Any:
        task = original(self, coro, *args, **kwargs)
        tracker = _current
        if tracker is not None:
            tracker.created(task, sys._getframe(1))
        return task

    create_task.__wrapped__ = original  # type: ignore[attr-defined]
    return create_task


def _wrap_runner_close(original: Callable[..., Any]) -> Callable[..., Any]:
    def close(self: Any) -> Any:
        tracker = _current
        loop = getattr(self, "_loop", None)
        if tracker is not None and loop is not None and not loop.is_closed():
            tracker.runner_closing(loop)
        return original(self)

    close.__wrapped__ = original  # type: ignore[attr-defined]
    return close


def _wrap_cancel_all_tasks(original: Callable[..., Any]) -> Callable[..., Any]:  # pragma: no cover
    def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> Any:
        tracker = _current
        if tracker is not None:
            tracker.runner_closing(loop)
        return original(loop)

    _cancel_all_tasks.__wrapped__ = original  # type: ignore[attr-defined]
    return _cancel_all_tasks


def _patch(owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
    _patched.append((owner, name, owner.__dict__.get(name)))
    setattr(owner, name, wrap(getattr(owner, name)))


def current() -> TaskTracker | None:
    """The tracker of the test now running, if any."""
    return _current


def start(tracker: TaskTracker) -> None:
    """Track the tasks created from now on for ``tracker``."""
    global _current
    if _current is not None:
        raise RuntimeError("a test's task tracking is already active")
    if "uvloop" not in sys.modules and importlib.util.find_spec("uvloop") is not None:
        # A runner may import uvloop in the middle of the test (anyio's does for
        # ``use_uvloop``): import it now, so that its loop class is patched too.
        importlib.import_module("uvloop")  # pragma: no cover - once per process
    for cls in loop_classes():
        _patch(cls, "create_task", _wrap_create_task)
    for cls in _runner_classes():
        _patch(cls, "close", _wrap_runner_close)
    if sys.version_info < (3, 11):
        # Python 3.10's asyncio.run() has no Runner: it cancels through this function.
        import asyncio.runners

        _patch(asyncio.runners, "_cancel_all_tasks", _wrap_cancel_all_tasks)
    _current = tracker


def stop() -> None:
    """Undo :func:`start`."""
    global _current
    _current = None
    while _patched:
        cls, name, original = _patched.pop()
        if original is None:
            delattr(cls, name)
        else:
            setattr(cls, name, original)
