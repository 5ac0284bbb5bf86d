"""`timeout`, `timeout_at`, `move_on_after`, `move_on_at` and `with_timeout`.

The factories pick the running backend's `Timeout`: asyncio's when an asyncio
loop runs in this thread (checked first, it is the fast path), trio's otherwise.
"""

from __future__ import annotations

import functools
import inspect
import sys
from asyncio.events import _get_running_loop
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from sniffio import thread_local as _sniffio_local

from asynckit._timeout_asyncio import AsyncioTimeout
from asynckit._timeout_scope import Timeout, check_delay

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable, Callable, Coroutine
    from typing import Any

    from asynckit._timeout_trio import TrioTimeout

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _trio_now(name: str) -> float:
    # No asyncio loop runs in this thread; the other backend is trio. (Looking
    # trio up in sys.modules keeps asynckit from importing it for asyncio users.)
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            now: float = trio.current_time()
        except RuntimeError:
            pass
        else:
            return now
    raise RuntimeError(
        f"{name}() must be called from async code running on asyncio or trio "
        "(no running event loop found)"
    )


_trio_timeout_class: type[TrioTimeout] | None = None


def _trio_timeout(when: float | None, quiet: bool) -> Timeout:
    global _trio_timeout_class
    cls = _trio_timeout_class
    if cls is None:
        from asynckit._timeout_trio import TrioTimeout

        cls = _trio_timeout_class = TrioTimeout
    return cls(when, quiet)


def _asyncio_loop() -> asyncio.AbstractEventLoop | None:
    """The running asyncio loop, unless trio runs here (possibly as its guest)."""
    loop = _get_running_loop()
    if loop is not None and _sniffio_local.name != "trio":
        return loop
    return None


def _make_after(delay: float | None, name: str, *, quiet: bool) -> Timeout:
    loop = _asyncio_loop()
    if loop is not None:
        return AsyncioTimeout(_asyncio_deadline(loop, delay, name), loop, quiet)
    return _trio_after(delay, name, quiet=quiet)


def _asyncio_deadline(
    loop: asyncio.AbstractEventLoop, delay: float | None, name: str
) -> float | None:
    if delay is None:
        return None
    if delay.__class__ is float or delay.__class__ is int:
        when: float = loop.time() + delay
        if when != when:
            raise ValueError(f"{name}(): delay must not be NaN")
        return when
    # bool, Decimal, Fraction, numpy scalars, wrong types: the slow, careful way.
    checked = check_delay(delay, f"{name}(): delay")
    assert checked is not None
    return loop.time() + checked


def _trio_after(delay: float | None, name: str, *, quiet: bool) -> Timeout:
    now = _trio_now(name)
    if delay.__class__ is float or delay.__class__ is int:
        when: float | None = now + delay
        if when != when:
            raise ValueError(f"{name}(): delay must not be NaN")
    else:
        checked = check_delay(delay, f"{name}(): delay")
        when = None if checked is None else now + checked
    return _trio_timeout(when, quiet)


def _make_at(when: float | None, name: str, *, quiet: bool) -> Timeout:
    checked = check_delay(when, f"{name}(): when")
    loop = _asyncio_loop()
    if loop is not None:
        return AsyncioTimeout(checked, loop, quiet)
    _trio_now(name)
    return _trio_timeout(checked, quiet)


def timeout(delay: float | None) -> Timeout:
    """Cancel the block if it runs longer than *delay* seconds; raise `TimeoutError`.

    The `asyncio.timeout` API on every supported Python (3.10+) and backend:

    ```python
    async with asynckit.timeout(10) as cm:
        await fetch()
    # on expiry: TimeoutError, and cm.expired() is True
    ```

    The block is cancelled at the deadline; the `CancelledError` (or trio's
    ``Cancelled``) that unwinds it is turned into the built-in `TimeoutError` when
    it leaves the block. Compared with ``asyncio.timeout``:

    * a cancellation of the task from outside is never turned into
      `TimeoutError` nor swallowed, including one already pending when the block
      is entered with a zero or past deadline (python/cpython#134471), and on
      Python 3.10, which lacks ``Task.uncancel()``;
    * a task group inside the block whose children were all cancelled by the
      timeout gives `TimeoutError`, not an exception group
      (python/cpython#96037, #137549);
    * inside a `shielded` block entered after the timeout, the deadline waits
      for the block to finish.

    Args:
        delay: Seconds from now; ``None`` for no deadline (it can be set later
            with `Timeout.reschedule`). Zero or negative cancels the block at its
            first checkpoint.

    Returns:
        The scope, an async context manager to enter once.

    Raises:
        TypeError: If *delay* is not a real number or ``None``.
        ValueError: If *delay* is NaN.
        RuntimeError: If called outside async code running on asyncio or trio.
        TimeoutError: (from the ``async with`` block) when the deadline passed.

    .. versionadded:: 0.1.0
    """
    # The asyncio path of _make_after, inlined: entering a timeout is a hot path.
    # (trio running as a guest of an asyncio loop says so through sniffio.)
    loop = _get_running_loop()
    if loop is None or _sniffio_local.name == "trio":
        return _trio_after(delay, "timeout", quiet=False)
    cls = delay.__class__
    if cls is float or cls is int:
        when: float = loop.time() + delay  # type: ignore[operator]
        if when != when:
            raise ValueError("timeout(): delay must not be NaN")
        return AsyncioTimeout(when, loop)
    return AsyncioTimeout(_asyncio_deadline(loop, delay, "timeout"), loop)


def timeout_at(when: float | None) -> Timeout:
    """Like `timeout`, with an absolute deadline in the backend's clock.

    The clock is ``loop.time()`` on asyncio and ``trio.current_time()`` on trio
    (not the wall clock).

    Args:
        when: The deadline, or ``None`` for none. A time in the past cancels the
            block at its first checkpoint.

    Returns:
        The scope, an async context manager to enter once.

    Raises:
        TypeError: If *when* is not a real number or ``None``.
        ValueError: If *when* is NaN.
        RuntimeError: If called outside async code running on asyncio or trio.
        TimeoutError: (from the ``async with`` block) when the deadline passed.

    .. versionadded:: 0.1.0
    """
    return _make_at(when, "timeout_at", quiet=False)


def move_on_after(delay: float | None) -> Timeout:
    """Cancel the block after *delay* seconds and carry on after it, quietly.

    trio's and anyio's ``move_on_after`` with asyncio's scope API: when the
    deadline passes the block is cancelled and execution continues after the
    ``async with``; `Timeout.cancelled_caught` (and `Timeout.expired`) tell
    whether that happened:

    ```python
    async with asynckit.move_on_after(1) as scope:
        data = await fetch()
    if scope.cancelled_caught:
        data = cached
    ```

    An outside cancellation still propagates.

    Args:
        delay: Seconds from now; ``None`` for no deadline.

    Returns:
        The scope, an async context manager to enter once.

    Raises:
        TypeError: If *delay* is not a real number or ``None``.
        ValueError: If *delay* is NaN.
        RuntimeError: If called outside async code running on asyncio or trio.

    .. versionadded:: 0.1.0
    """
    return _make_after(delay, "move_on_after", quiet=True)


def move_on_at(when: float | None) -> Timeout:
    """Like `move_on_after`, with an absolute deadline in the backend's clock.

    Args:
        when: The deadline (``loop.time()`` / ``trio.current_time()``), or
            ``None`` for none.

    Returns:
        The scope, an async context manager to enter once.

    Raises:
        TypeError: If *when* is not a real number or ``None``.
        ValueError: If *when* is NaN.
        RuntimeError: If called outside async code running on asyncio or trio.

    .. versionadded:: 0.1.0
    """
    return _make_at(when, "move_on_at", quiet=True)


def with_timeout(
    delay: float | None,
) -> Callable[[Callable[_P, Awaitable[_T]]], Callable[_P, Coroutine[Any, Any, _T]]]:
    """Decorate an async function so that every call runs under `timeout`.

    ```python
    @asynckit.with_timeout(5)
    async def fetch(url: str) -> bytes: ...

    await fetch("https://example.com")  # TimeoutError after 5 s
    ```

    Each call gets a fresh deadline *delay* seconds after it starts.

    Args:
        delay: Seconds each call may take; ``None`` for no limit.

    Returns:
        A decorator for async functions, keeping their signature.

    Raises:
        TypeError: If *delay* is not a real number or ``None`` (for instance
            ``@with_timeout`` written without its argument), or if the decorated
            object is not an async function.
        ValueError: If *delay* is NaN.
        TimeoutError: (from the decorated function) when a call took too long.

    .. versionadded:: 0.1.0
    """
    if callable(delay):
        raise TypeError(
            "with_timeout() takes the delay in seconds: write @with_timeout(5), not @with_timeout"
        )
    checked = check_delay(delay, "with_timeout(): delay")

    def decorate(fn: Callable[_P, Awaitable[_T]]) -> Callable[_P, Coroutine[Any, Any, _T]]:
        if not inspect.iscoroutinefunction(fn) and not inspect.iscoroutinefunction(
            getattr(fn, "__call__", None)  # noqa: B004 - looking for async __call__
        ):
            raise TypeError(f"with_timeout() decorates async functions, got {fn!r}")

        @functools.wraps(fn)
        async def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            async with _make_after(checked, "with_timeout", quiet=False):
                return await fn(*args, **kwargs)

        return wrapper

    return decorate
