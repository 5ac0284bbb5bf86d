"""The process-wide hooks behind the detector, installed only while a scope is active.

CPython reports a coroutine that is finalised without ever having started through
``warnings._warn_unawaited_coroutine(coro)``, looked up on the ``warnings`` module
each time; asyncio reports a task destroyed while pending and an exception never
retrieved through ``loop.call_exception_handler(context)``. While at least one
scope is active, both are routed here and handed to the scope that should see
them; outside any scope the originals are back in place, so nothing is paid.

The creation site comes from ``cr_origin``, which CPython records only while
``sys.set_coroutine_origin_tracking_depth()`` is non-zero in the creating thread:
scopes raise it in their own thread, and threads started while a scope is active
raise it for themselves through a one-shot ``threading.setprofile`` hook.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any, Protocol

from asynckit._debug_report import Finding, SourceLocation, frames_from_origin, trim_stack

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType


class Sink(Protocol):
    """What the hooks deliver findings to: an active scope."""

    stack_depth: int
    restore_depth: int

    def add(self, finding: Finding) -> None:
        """Record one finding."""


_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
_ORIGINAL_WARN: Callable[[Any], None] = warnings._warn_unawaited_coroutine  # type: ignore[attr-defined]
_lock = threading.RLock()
_active: list[Sink] = []
_local = threading.local()
_saved: dict[str, Any] = {}
_patched_loops: list[tuple[type[Any], Any]] = []


def _thread_stack() -> list[Sink]:
    stack: list[Sink] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def target_sink() -> Sink | None:
    """The scope that receives a finding made in the current thread.

    The innermost scope of this thread; failing that, the most recently entered
    scope of any thread (a coroutine dropped by a worker thread).
    """
    stack = _thread_stack()
    if stack:
        return stack[-1]
    with _lock:
        return _active[-1] if _active else None


def _on_unawaited(coro: Any) -> None:
    sink = target_sink()
    if sink is None:  # the last scope ended while this coroutine was being destroyed
        _saved.get("warn", _ORIGINAL_WARN)(coro)
        return
    sink.add(coroutine_finding(coro))


def coroutine_finding(coro: Any) -> Finding:
    """Describe a coroutine that was never started."""
    code = getattr(coro, "cr_code", None)
    defined = (
        SourceLocation(code.co_filename, code.co_firstlineno, code.co_name)
        if code is not None
        else None
    )
    return Finding(
        kind="never-awaited",
        name=getattr(coro, "__qualname__", repr(coro)),
        created_at=frames_from_origin(getattr(coro, "cr_origin", None) or ()),
        defined_at=defined,
        thread=threading.current_thread().name,
    )


def task_finding(context: dict[str, Any]) -> Finding | None:
    """Describe a lost task or future from an exception-handler context, if it is one."""
    message = str(context.get("message", ""))
    future = context.get("task") or context.get("future")
    if future is None:
        return None
    if message.startswith("Task was destroyed but it is pending"):
        kind: Any = "pending-task-destroyed"
    elif message.endswith("exception was never retrieved"):
        kind = "exception-never-retrieved"
    else:
        return None
    name, coro, created = describe_task(future, context.get("source_traceback"))
    if kind == "exception-never-retrieved":
        exc = context.get("exception")
        detail = f"{type(exc).__name__}: {exc}"
    else:
        detail = suspended_at(coro)
    return Finding(
        kind=kind,
        name=name,
        created_at=created,
        detail=detail,
        thread=threading.current_thread().name,
    )


def describe_task(
    future: Any, source_traceback: Any = None
) -> tuple[str, Any, tuple[SourceLocation, ...]]:
    """A task's (or future's) name, coroutine and creation site, for a finding."""
    # The ``_coro`` attribute, not ``get_coro()``: on 3.12.1 ``get_coro()`` of a task
    # that completed eagerly crashes the interpreter; ``_coro`` is None then.
    # Such a task may also have dropped its name (3.13 then reports "None").
    coro = getattr(future, "_coro", None)
    name = future.get_name() if hasattr(future, "get_name") else None
    if not isinstance(name, str) or name in {"", "None"}:
        name = type(future).__name__
    if coro is not None:
        name = f"{name} ({getattr(coro, '__qualname__', coro)!s})"
    created: tuple[SourceLocation, ...] = ()
    if source_traceback:
        created = trim_stack(
            SourceLocation(f.filename, f.lineno or 0, f.name)
            for f in reversed(source_traceback)
            if not f.filename.startswith(_ASYNCIO_DIR)
        )
    if not created and coro is not None:
        created = frames_from_origin(getattr(coro, "cr_origin", None) or ())
    return name, coro, created


def suspended_at(coro: Any) -> str:
    """Where a suspended coroutine waits, as ``"pending at file:line in f"``; else ``""``."""
    frame = getattr(coro, "cr_frame", None)
    if frame is None:
        return ""
    where = SourceLocation(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
    return f"pending at {where}"


def _wrap_exception_handler(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_exception_handler(self: Any, context: dict[str, Any]) -> Any:
        sink = target_sink()
        if sink is not None:
            finding = task_finding(context)
            if finding is not None:
                sink.add(finding)
                return None
        return original(self, context)

    call_exception_handler.__wrapped__ = original  # type: ignore[attr-defined]
    return call_exception_handler


def _thread_profile(frame: FrameType, event: str, arg: object) -> None:  # pragma: no cover
    """Run once as a new thread starts: turn on origin tracking, then step aside.

    (A profile function runs with tracing off, so coverage cannot see it; the
    thread tests check what it does.)
    """
    sys.setprofile(_saved.get("thread_profile"))
    depth = _saved.get("thread_depth", 0)
    if depth > sys.get_coroutine_origin_tracking_depth():
        sys.set_coroutine_origin_tracking_depth(depth)


def loop_classes() -> list[type[Any]]:
    """The event loop classes to patch: asyncio's base loop, and uvloop's once imported."""
    classes: list[type[Any]] = [asyncio.BaseEventLoop]
    uvloop_loop = getattr(sys.modules.get("uvloop"), "Loop", None)
    if isinstance(uvloop_loop, type):  # patch it only if the program uses uvloop
        classes.append(uvloop_loop)
    return classes


def _install() -> None:
    _saved["warn"] = warnings._warn_unawaited_coroutine  # type: ignore[attr-defined]
    warnings._warn_unawaited_coroutine = _on_unawaited  # type: ignore[attr-defined]
    for cls in loop_classes():
        had_own = "call_exception_handler" in cls.__dict__
        original = cls.__dict__.get("call_exception_handler")
        cls.call_exception_handler = _wrap_exception_handler(cls.call_exception_handler)
        _patched_loops.append((cls, original if had_own else None))
    _saved["thread_profile"] = threading.getprofile()
    threading.setprofile(_thread_profile)


def _uninstall() -> None:
    warnings._warn_unawaited_coroutine = _saved.pop("warn")  # type: ignore[attr-defined]
    while _patched_loops:
        cls, original = _patched_loops.pop()
        if original is None:
            del cls.call_exception_handler
        else:
            cls.call_exception_handler = original
    threading.setprofile(_saved.pop("thread_profile"))


def activate(sink: Sink) -> None:
    """Make ``sink`` active in this thread; it keeps the tracking depth to restore."""
    with _lock:
        if not _active:
            _install()
        _active.append(sink)
        _saved["thread_depth"] = max(s.stack_depth for s in _active)
    _thread_stack().append(sink)
    previous = sys.get_coroutine_origin_tracking_depth()
    sink.restore_depth = previous
    if sink.stack_depth > previous:
        sys.set_coroutine_origin_tracking_depth(sink.stack_depth)


def deactivate(sink: Sink) -> None:
    """Undo :func:`activate`; scopes of one thread may end in any order.

    When ``sink`` is not this thread's innermost scope, the depth it would restore
    is handed to the scope above it, which restores it in turn.
    """
    stack = _thread_stack()
    index = stack.index(sink)
    del stack[index]
    if index == len(stack):
        sys.set_coroutine_origin_tracking_depth(sink.restore_depth)
    else:
        stack[index].restore_depth = sink.restore_depth
    with _lock:
        _active.remove(sink)
        if _active:
            _saved["thread_depth"] = max(s.stack_depth for s in _active)
        else:
            _uninstall()
