"""`shield`: `asyncio.shield` that keeps its work alive and its errors visible.

``asyncio.shield`` returns an outer future and lets the inner task run on when
the caller is cancelled, but the event loop only holds weak references to tasks,
so an inner task nobody else references can be garbage-collected mid-flight
(python/cpython#94972), and an exception it raises after its caller left is
marked retrieved and dropped. Here the inner future is kept alive until it
finishes, and an error nobody can receive any more is reported to the loop's
exception handler.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, TypeVar

import sniffio

if TYPE_CHECKING:
    from collections.abc import Awaitable

_T = TypeVar("_T")


def _on_trio() -> bool:
    # trio says so through sniffio, also when it runs as a guest of asyncio.
    return sniffio.thread_local.name == "trio"


#: Shielded work still running, kept alive until it finishes.
_running: set[asyncio.Future[Any]] = set()


def shield(arg: Awaitable[_T]) -> asyncio.Future[_T]:
    """Protect an awaitable from being cancelled; a drop-in for `asyncio.shield`.

    ``await shield(work())`` waits for ``work()``; if the awaiting task is
    cancelled, it gets `CancelledError` at once while ``work()`` carries on in its
    own task. Compared with ``asyncio.shield``:

    * the inner task is strongly referenced until it finishes, so it cannot be
      garbage-collected half way (python/cpython#94972);
    * if the inner task was created here (*arg* was a coroutine) and fails after
      the caller was cancelled, nobody can receive its exception any more, so it
      is reported through ``loop.call_exception_handler`` instead of vanishing.
      A task or future you passed in is left for you to await.

    asyncio only: on trio, protect a block with `shielded` instead.

    Args:
        arg: A coroutine, task, future or other awaitable.

    Returns:
        A future with the result of *arg*; *arg* itself if it is already done.

    Raises:
        TypeError: If *arg* is not awaitable.
        RuntimeError: If *arg* is a coroutine and no asyncio loop is running,
            or if called on trio.

    .. versionadded:: 0.1.0
    """
    owned = inspect.iscoroutine(arg)
    if _on_trio():
        if owned:
            arg.close()  # type: ignore[attr-defined]
        raise RuntimeError(
            "asynckit.shield() is asyncio-only (it lets the caller leave while the "
            "work goes on); on trio protect the block instead: "
            "`with asynckit.shielded(): await ...`"
        )
    inner: asyncio.Future[_T] = asyncio.ensure_future(arg)
    if inner.done():
        return inner
    loop = inner.get_loop()
    outer: asyncio.Future[_T] = loop.create_future()
    _running.add(inner)

    def inner_done(inner: asyncio.Future[_T]) -> None:
        _running.discard(inner)
        if outer.cancelled():
            if inner.cancelled():
                return
            exc = inner.exception()
            if exc is not None and owned:
                loop.call_exception_handler(
                    {
                        "message": (
                            "asynckit.shield: the shielded task failed after the "
                            "task awaiting it was cancelled"
                        ),
                        "exception": exc,
                        "future": inner,
                    }
                )
            return
        if inner.cancelled():
            outer.cancel()
        else:
            exc = inner.exception()
            if exc is not None:
                outer.set_exception(exc)
            else:
                outer.set_result(inner.result())

    inner.add_done_callback(inner_done)
    return outer
