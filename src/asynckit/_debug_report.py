"""What the debug tools report: findings, stalls, their text and JSON forms."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import linecache
import os
import runpy
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import anyio

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

FindingKind = Literal[
    "never-awaited",
    "pending-task-destroyed",
    "exception-never-retrieved",
    "task-left-pending",
]

_TITLES: dict[str, str] = {
    "never-awaited": "coroutine {name} was never awaited",
    "pending-task-destroyed": "task {name} was destroyed while pending",
    "exception-never-retrieved": "exception of {name} was never retrieved",
    "task-left-pending": "task {name} was left pending by the test",
}


@dataclass(frozen=True)
class SourceLocation:
    """A place in the source: file, line and function.

    .. versionadded:: 0.1.0
    """

    filename: str
    """The file's path, as the interpreter knows it."""
    lineno: int
    """The 1-based line number."""
    function: str
    """The name of the function (``<module>`` at module level)."""

    @property
    def line(self) -> str:
        """The source line, stripped; empty when the file cannot be read."""
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        return f"{_short_path(self.filename)}:{self.lineno} in {self.function}"

    def to_dict(self) -> dict[str, Any]:
        """Return the location as a JSON-ready dictionary."""
        return {
            "filename": self.filename,
            "lineno": self.lineno,
            "function": self.function,
            "line": self.line,
        }


@dataclass(frozen=True)
class Finding:
    """One problem found by :func:`asynckit.debug.detect_unawaited`.

    .. versionadded:: 0.1.0
    """

    kind: FindingKind
    """``"never-awaited"``, ``"pending-task-destroyed"``, ``"exception-never-retrieved"``, or
    ``"task-left-pending"`` (from the pytest plugin only)."""
    name: str
    """The coroutine's qualified name, or the task's name and coroutine."""
    created_at: tuple[SourceLocation, ...] = ()
    """Where it was created, innermost call first; empty when unknown."""
    defined_at: SourceLocation | None = None
    """Where the coroutine function is defined, when known."""
    detail: str = ""
    """More about it: the exception never retrieved, where a task was pending..."""
    thread: str = ""
    """The thread that found it (where the object was destroyed)."""

    @property
    def location(self) -> SourceLocation | None:
        """The creation site (innermost frame), or ``None`` when unknown."""
        return self.created_at[0] if self.created_at else None

    def format(self) -> str:
        """Return a human-readable, multi-line description."""
        lines = [_TITLES[self.kind].format(name=f"'{self.name}'")]
        if self.detail:
            lines.append(f"  {self.detail}")
        if self.created_at:
            for i, frame in enumerate(self.created_at):
                lead = "created at" if i == 0 else "called from"
                lines.append(f"  {lead} {frame}")
                if frame.line:
                    lines.append(f"      {frame.line}")
        else:
            lines.append(
                "  creation site unknown (created outside any detector scope "
                "or in a thread that existed before it)"
            )
        if self.defined_at is not None:
            lines.append(f"  defined at {self.defined_at}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dictionary."""
        return {
            "kind": self.kind,
            "name": self.name,
            "created_at": [frame.to_dict() for frame in self.created_at],
            "defined_at": self.defined_at.to_dict() if self.defined_at else None,
            "detail": self.detail,
            "thread": self.thread,
        }


@dataclass(frozen=True)
class Stall:
    """The event loop was blocked: what its thread was running at the time.

    .. versionadded:: 0.1.0
    """

    blocked_for: float
    """How long, in seconds, the loop had been blocked when its stack was sampled."""
    stack: tuple[SourceLocation, ...]
    """The loop thread's stack while blocked, innermost call (the blocking line) first."""
    thread: str = ""
    """The name of the loop's thread."""
    ended_after: float | None = field(default=None, compare=False)
    """The whole stall's length, once the loop ran again; ``None`` while it lasts."""

    def format(self) -> str:
        """Return a human-readable, multi-line description."""
        lines = [f"event loop blocked for more than {self.blocked_for:.3f} s"]
        if self.thread:
            lines[0] += f" in thread {self.thread!r}"
        for i, frame in enumerate(self.stack):
            lead = "blocked at" if i == 0 else "called from"
            lines.append(f"  {lead} {frame}")
            if frame.line:
                lines.append(f"      {frame.line}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the stall as a JSON-ready dictionary."""
        return {
            "blocked_for": self.blocked_for,
            "ended_after": self.ended_after,
            "thread": self.thread,
            "stack": [frame.to_dict() for frame in self.stack],
        }


class UnawaitedCoroutineError(RuntimeError):
    """Coroutines were never awaited, or tasks were lost, inside a detector scope.

    Raised when :func:`asynckit.debug.detect_unawaited` (in ``mode="raise"``) exits
    having found problems, and by the pytest plugin at the teardown of a test that
    leaked; ``findings`` lists them and the message is their text report.

    Args:
        findings: What was found.

    .. versionadded:: 0.1.0
    """

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings: tuple[Finding, ...] = tuple(findings)
        super().__init__(format_findings(self.findings))


class UnawaitedCoroutineWarning(RuntimeWarning):
    """Issued by :func:`asynckit.debug.detect_unawaited` in ``mode="warn"``.

    The warning points at the line that created the coroutine.

    .. versionadded:: 0.1.0
    """


def format_findings(findings: Iterable[Finding]) -> str:
    """Return the text report of ``findings``, headed by how many there are."""
    found = list(findings)
    plural = "" if len(found) == 1 else "s"
    parts = [f"{len(found)} problem{plural} found:"]
    parts.extend(finding.format() for finding in found)
    return "\n".join(parts)


def _short_path(filename: str) -> str:
    """Return ``filename`` relative to the working directory when it is below it."""
    try:
        rel = os.path.relpath(filename)
    except ValueError:  # pragma: no cover - another drive on Windows
        return filename
    return filename if rel.startswith(os.pardir) else rel


def _source_file(path: str) -> str:
    return path[:-1] if path.endswith(".pyc") else path


def _package_dirs(*names: str) -> tuple[str, ...]:
    """The directories of the installed packages among ``names``, without importing them."""
    dirs = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            dirs.append(os.path.dirname(os.path.abspath(spec.origin)) + os.sep)
    return tuple(dirs)


_HERE = os.path.dirname(os.path.abspath(__file__))
_ANYIO = os.path.dirname(os.path.abspath(anyio.__file__))
# Frames of the machinery that runs user code: left out of reported stacks.
_SKIPPED = (
    os.path.dirname(asyncio.__file__) + os.sep,
    os.path.dirname(concurrent.futures.__file__) + os.sep,
    _source_file(threading.__file__),
    os.path.join(_ANYIO, "_backends") + os.sep,
    # trio's run loop and the outcome objects it resumes tasks with
    *_package_dirs("trio", "outcome"),
    *(os.path.join(_HERE, f"_debug_{name}.py") for name in ("detector", "hooks", "watchdog")),
)
# Frames of a program runner: the stack is cut there.
_RUNNERS = (
    "<frozen runpy>",
    _source_file(runpy.__file__),
    os.path.join(_HERE, "_cli.py"),
    os.path.join(_HERE, "_debug_cli.py"),
)
_TEST_RUNNERS = (
    f"{os.sep}_pytest{os.sep}",
    f"{os.sep}pluggy{os.sep}",
    f"{os.sep}pytest_asyncio{os.sep}",
    os.path.join(f"{os.sep}backports", "asyncio", "runner") + os.sep,
    os.path.join(_ANYIO, "pytest_plugin.py"),
)


def trim_stack(frames: Iterable[SourceLocation]) -> tuple[SourceLocation, ...]:
    """Keep the user's frames of a stack given innermost first.

    The innermost frame is always kept; after it, frames of asyncio, anyio's
    backends, threading, executors and asynckit's debug tooling are left out, and
    the stack ends where a program runner (``runpy``, ``asynckit debug``, pytest,
    pytest-asyncio, anyio's pytest plugin) starts.
    """
    kept: list[SourceLocation] = []
    for frame in frames:
        if kept and (
            frame.filename.startswith(_RUNNERS) or any(m in frame.filename for m in _TEST_RUNNERS)
        ):
            break
        if not kept or not frame.filename.startswith(_SKIPPED):
            kept.append(frame)
    return tuple(kept)


def frames_from_origin(origin: Iterable[tuple[str, int, str]]) -> tuple[SourceLocation, ...]:
    """Convert a coroutine's ``cr_origin`` to locations, innermost first, trimmed."""
    return trim_stack(SourceLocation(filename, lineno, name) for filename, lineno, name in origin)


def call_site(frames: Iterable[SourceLocation]) -> tuple[SourceLocation, ...]:
    """Like :func:`trim_stack`, for a stack captured inside library code.

    The frames of asyncio, anyio, threading, executors and asynckit itself are left
    out from the innermost end too, so that the stack starts at the user's call.
    """
    found = list(frames)
    library = (*_SKIPPED, _HERE + os.sep)
    start = next((i for i, frame in enumerate(found) if not frame.filename.startswith(library)), 0)
    return trim_stack(found[start:])
