"""What a worker thread knows about the task that is waiting for it.

Every call asynckit runs in a worker carries a *link* in a context variable: the object
through which the blocking function can ask whether its caller was cancelled
(:func:`check_cancelled`) and run code back on the caller's event loop
(:func:`run`, :func:`run_sync`). A worker process carries a link too, one that
explains why calling back is impossible there.
"""

from __future__ import annotations

import contextvars
import sys
from typing import TYPE_CHECKING, Any, TypeVar

if sys.version_info >= (3, 11):
    from typing import TypeVarTuple, Unpack
else:
    from typing_extensions import TypeVarTuple, Unpack

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

T = TypeVar("T")
PosArgsT = TypeVarTuple("PosArgsT")


current_link: contextvars.ContextVar[Link | None] = contextvars.ContextVar(
    "asynckit_worker_link", default=None
)


class Link:
    """How a worker reaches the task waiting for it; subclasses implement one kind."""

    __slots__ = ()

    def check_cancelled(self) -> None:
        """Raise the caller's cancellation if it has been cancelled."""
        raise NotImplementedError

    def run(self, async_fn: Callable[..., Awaitable[T]], args: tuple[Any, ...]) -> T:
        """Run ``async_fn(*args)`` on the caller's loop and return its result."""
        raise NotImplementedError

    def run_sync(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        """Run ``fn(*args)`` in the caller's loop thread and return its result."""
        raise NotImplementedError


class ProcessLink(Link):
    """The link of a worker process started by ``to_process``.

    Cancelling the caller terminates the process, so there is nothing to check;
    there is no loop in this process to call back into.
    """

    __slots__ = ()

    def check_cancelled(self) -> None:
        return

    def run(self, async_fn: Callable[..., Awaitable[T]], args: tuple[Any, ...]) -> T:
        raise RuntimeError(
            "asynckit.from_thread.run() cannot reach the caller's event loop from a worker "
            "process started by asynckit.to_process(); return data to the caller instead"
        )

    run_sync = run  # type: ignore[assignment]


PROCESS_LINK = ProcessLink()


def _require_link(what: str) -> Link:
    link = current_link.get()
    if link is None:
        raise RuntimeError(
            f"asynckit.from_thread.{what}() must be called from a worker thread started by "
            "asynckit.to_thread(), asynckit.run_in_executor() or asynckit.asyncify(); "
            "in async code, await the function directly"
        )
    return link


def check_cancelled() -> None:
    """Raise the caller's cancellation if the task waiting for this thread was cancelled.

    Blocking functions run by [`asynckit.to_thread`][] keep running when their caller
    is cancelled: a thread cannot be interrupted. A long function can call this at
    convenient points to stop early; the exception it raises travels back to the
    caller, which then reports its own cancellation. In a worker process started by
    [`asynckit.to_process`][] it does nothing (cancelling the caller terminates the
    process).

    Raises:
        asyncio.CancelledError: On asyncio, if the caller was cancelled.
        trio.Cancelled: On trio, if the caller was cancelled.
        RuntimeError: If not called from a worker started by asynckit.

    .. versionadded:: 0.1.0
    """
    _require_link("check_cancelled").check_cancelled()


def run(async_fn: Callable[[Unpack[PosArgsT]], Awaitable[T]], *args: Unpack[PosArgsT]) -> T:
    """Run ``await async_fn(*args)`` on the caller's event loop and return its result.

    The calling worker thread blocks until the coroutine finishes; the coroutine runs
    as a new task of the loop whose task is waiting for this thread, with this
    thread's context variables.

    Args:
        async_fn: The async function to call on the loop.
        *args: Positional arguments for ``async_fn``.

    Returns:
        What ``async_fn(*args)`` returned.

    Raises:
        RuntimeError: If not called from a worker thread started by asynckit (or if
            called from a worker process).
        Exception: Whatever ``async_fn`` raised.

    .. versionadded:: 0.1.0
    """
    return _require_link("run").run(async_fn, args)


def run_sync(fn: Callable[[Unpack[PosArgsT]], T], *args: Unpack[PosArgsT]) -> T:
    """Call ``fn(*args)`` in the caller's event loop thread and return its result.

    Use it for objects that may only be touched from the loop thread, such as
    an ``asyncio.Event`` or a trio memory channel's ``send_nowait``.

    Args:
        fn: The synchronous function to call in the loop thread.
        *args: Positional arguments for ``fn``.

    Returns:
        What ``fn(*args)`` returned.

    Raises:
        RuntimeError: If not called from a worker thread started by asynckit (or if
            called from a worker process).
        Exception: Whatever ``fn`` raised.

    .. versionadded:: 0.1.0
    """
    return _require_link("run_sync").run_sync(fn, args)
