"""``detect_unawaited``: find coroutines never awaited and tasks lost, with where they were made."""

from __future__ import annotations

import functools
import gc
import inspect
import logging
import sys
import warnings
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from asynckit._debug_hooks import activate, deactivate
from asynckit._debug_report import (
    Finding,
    UnawaitedCoroutineError,
    UnawaitedCoroutineWarning,
    format_findings,
)

if sys.version_info >= (3, 11):
    from typing import Self
else:
    from typing_extensions import Self

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

logger = logging.getLogger("asynckit.debug")
Mode = Literal["raise", "warn", "log"]
_MODES = ("raise", "warn", "log")
_F = TypeVar("_F", bound="Callable[..., Any]")


def collect_garbage() -> None:
    """Collect garbage until finalisers triggered by earlier passes have run too."""
    # A finaliser may free more objects only on the next pass (trio's
    # gc_collect_harder does the same); four passes settle every case we know.
    for _ in range(4):
        gc.collect()


class detect_unawaited:
    """Find coroutines that were never awaited, and asyncio tasks that were lost.

    A context manager and a decorator (of sync and async functions). Inside it,
    every coroutine that is created and then destroyed without ever having
    started is recorded with its qualified name and its creation site (the line
    that called the coroutine function, and ``stack_depth - 1`` callers above);
    so is every asyncio task destroyed while still pending and every task or
    future whose exception was never retrieved, with where it was created. On
    exit the scope collects garbage, so detection does not depend on when the
    collector happens to run, and then reports what it found: by raising
    :class:`UnawaitedCoroutineError`, by issuing one
    :class:`UnawaitedCoroutineWarning` per finding pointing at its creation line,
    or by logging each on the ``asynckit.debug`` logger, according to ``mode``.

    Coroutines closed on purpose (``coro.close()``), awaited later, run by another
    thread's loop or driven by hand with ``send``/``throw`` are never reported:
    only what CPython itself would warn about is. Scopes nest (a finding goes to
    the innermost active scope of the thread that finds it, else to the most
    recent scope of any thread) and may be used from several threads at once.
    Creation sites cost one short stack capture per coroutine created while a
    scope is active, in the threads that entered one and those started during
    one; outside any scope nothing is installed.

    Args:
        mode: ``"raise"``, ``"warn"`` or ``"log"``: how to report at exit.
        stack_depth: How many frames of the creation stack to keep (at least 1).
        collect_garbage: Whether to collect garbage at exit (on by default).

    Raises:
        ValueError: For an unknown ``mode`` or a ``stack_depth`` below 1.
        TypeError: For a ``stack_depth`` that is not an ``int``.

    Example:
        ```python
        from asynckit.debug import detect_unawaited

        with detect_unawaited(mode="log") as scope:
            ...
        assert scope.findings == []
        ```

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        mode: Mode = "raise",
        *,
        stack_depth: int = 2,
        collect_garbage: bool = True,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
        if isinstance(stack_depth, bool) or not isinstance(stack_depth, int):
            raise TypeError(f"stack_depth must be an int, got {stack_depth!r}")
        if stack_depth < 1:
            raise ValueError(f"stack_depth must be at least 1, got {stack_depth!r}")
        self.mode: Mode = mode
        self.stack_depth = stack_depth
        self.collect_garbage = collect_garbage
        self.findings: list[Finding] = []
        """What the scope found, in the order it was found; kept after exit."""
        self.restore_depth = 0
        self._active = False

    def add(self, finding: Finding) -> None:
        """Record a finding (called by the hooks, from any thread)."""
        self.findings.append(finding)

    def __enter__(self) -> Self:
        if self._active:
            raise RuntimeError(
                "this detect_unawaited() scope is already active; "
                "use a new detect_unawaited() for each 'with' block"
            )
        self._active = True
        self.findings = []
        activate(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.collect_garbage:
                collect_garbage()
        finally:
            deactivate(self)
            self._active = False
        if self.findings:
            self._report(exc)

    def _report(self, exc: BaseException | None) -> None:
        __tracebackhide__ = True
        findings = list(self.findings)
        if self.mode == "raise":
            if exc is None:
                raise UnawaitedCoroutineError(findings)
            # Never mask the exception that is already on its way out.
            if hasattr(exc, "add_note"):
                exc.add_note(format_findings(findings))
            else:  # pragma: no cover - Python 3.10
                logger.error("%s", format_findings(findings))
        elif self.mode == "warn":
            for finding in findings:
                _warn(finding)
        else:
            for finding in findings:
                logger.error("%s", finding.format())

    def _fresh(self) -> detect_unawaited:
        return detect_unawaited(
            self.mode, stack_depth=self.stack_depth, collect_garbage=self.collect_garbage
        )

    def __call__(self, fn: _F) -> _F:
        """Run each call of ``fn`` inside a fresh scope with these settings."""
        if not callable(fn):
            raise TypeError(f"detect_unawaited() decorates a callable, got {fn!r}")
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return await fn(*args, **kwargs)

            return cast("_F", async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return cast("_F", wrapper)


class CollectingScope(detect_unawaited):
    """A scope that keeps its findings for its owner instead of reporting them."""

    def _report(self, exc: BaseException | None) -> None:
        pass


def _warn(finding: Finding) -> None:
    location = finding.location
    message = UnawaitedCoroutineWarning(finding.format())
    if location is None:
        warnings.warn(message, stacklevel=4)
        return
    warnings.warn_explicit(message, UnawaitedCoroutineWarning, location.filename, location.lineno)
