"""``wait``: a drop-in for ``asyncio.wait`` that can also start awaitables lazily."""

from __future__ import annotations

import asyncio
import sys
import warnings
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from asynckit._bounded import check_limit, close_coroutines, is_trio_running, running_asyncio_loop
from asynckit._launcher import Launcher

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable

_T = TypeVar("_T")
_FT = TypeVar("_FT", bound="asyncio.Future[Any]")

FIRST_COMPLETED: Final = asyncio.FIRST_COMPLETED
"""``wait(return_when=FIRST_COMPLETED)`` returns when any future finishes or is cancelled."""

FIRST_EXCEPTION: Final = asyncio.FIRST_EXCEPTION
"""``wait(return_when=FIRST_EXCEPTION)`` returns when any future raises, else when all finish."""

ALL_COMPLETED: Final = asyncio.ALL_COMPLETED
"""``wait(return_when=ALL_COMPLETED)`` (the default) returns when every future has finished."""

_RETURN_WHEN = (FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED)


@overload
async def wait(
    aws: Iterable[_FT],
    *,
    timeout: float | None = None,
    return_when: str = ALL_COMPLETED,
    limit: None = None,
) -> tuple[set[_FT], set[_FT]]: ...


@overload
async def wait(
    aws: Iterable[Awaitable[_T]],
    *,
    timeout: float | None = None,
    return_when: str = ALL_COMPLETED,
    limit: int | None,
) -> tuple[set[asyncio.Future[_T]], set[asyncio.Future[_T]]]: ...


async def wait(
    aws: Iterable[Awaitable[Any]],
    *,
    timeout: float | None = None,
    return_when: str = ALL_COMPLETED,
    limit: int | None = None,
) -> tuple[set[Any], set[Any]]:
    """Wait for futures to complete, optionally starting awaitables *limit* at a time.

    Without *limit* it is ``asyncio.wait`` itself: *aws* must be
    futures or tasks, and ``(done, pending)`` sets of them are returned when
    *return_when* is met or *timeout* seconds have passed (no ``TimeoutError``;
    what is pending keeps running).

    With ``limit=K``, *aws* may also hold coroutines and other awaitables: each
    is represented by a future from the start and wrapped in a task only when
    one of the K slots is free (futures passed in run anyway and take no slot).
    Pending futures keep being started, K at a time, after ``wait`` returns;
    cancelling one cancels its task, or closes its coroutine if it has not
    started. asyncio-only.

    Args:
        aws: The futures (and, with *limit*, other awaitables) to wait for.
        timeout: The most seconds to wait; ``None`` to wait as long as needed.
        return_when: ``FIRST_COMPLETED``, ``FIRST_EXCEPTION`` or
            ``ALL_COMPLETED`` (re-exported from asyncio).
        limit: The most awaitables started by this call in flight at once.

    Returns:
        The ``(done, pending)`` sets of futures.

    Raises:
        TypeError: *aws* is a single future or coroutine rather than an
            iterable, *limit* is not an int, or (without *limit*) *aws* holds
            coroutines.
        ValueError: *aws* is empty, *return_when* is invalid or *limit* < 1.
        RuntimeError: Called under trio: use ``amap`` or ``gather``.

    .. versionadded:: 0.1.0
    """
    if running_asyncio_loop() is None and is_trio_running():
        close_coroutines([aws] if asyncio.iscoroutine(aws) else list(aws))
        raise RuntimeError(
            "wait() works on asyncio only; under trio use asynckit.amap() or asynckit.gather()"
        )
    if limit is None:
        if sys.version_info < (3, 11):
            aws = _wrap_coroutines_py310(aws, return_when)
        done_pending: tuple[set[Any], set[Any]] = await asyncio.wait(
            aws, timeout=timeout, return_when=return_when
        )
        return done_pending
    if asyncio.isfuture(aws) or asyncio.iscoroutine(aws):
        close_coroutines([aws])
        raise TypeError(f"expect a list of futures, not {type(aws).__name__}")
    items = list(dict.fromkeys(aws))  # Deduplicated, in order: started in that order.
    try:
        check_limit(limit, owner="wait")
        if not items:
            raise ValueError("Set of Tasks/Futures is empty.")
        if return_when not in _RETURN_WHEN:
            raise ValueError(f"Invalid return_when value: {return_when}")
    except BaseException:
        close_coroutines(items)
        raise
    launcher = Launcher(asyncio.get_running_loop(), items, limit)
    done, pending = await asyncio.wait(launcher.futures, timeout=timeout, return_when=return_when)
    return done, pending


if sys.version_info < (3, 11):

    def _wrap_coroutines_py310(aws: Iterable[Any], return_when: str) -> Iterable[Any]:
        """Python 3.10's ``asyncio.wait`` wraps coroutines in tasks with a warning.

        Issue that warning here, so that it names the caller's line rather than ours.
        """
        if asyncio.isfuture(aws) or asyncio.iscoroutine(aws):
            return aws  # asyncio.wait raises the TypeError.
        fs = set(aws)
        if not fs or return_when not in _RETURN_WHEN:
            return fs  # asyncio.wait raises the ValueError.
        if any(asyncio.iscoroutine(f) for f in fs):
            warnings.warn(
                "The explicit passing of coroutine objects to asyncio.wait() is deprecated "
                "since Python 3.8, and scheduled for removal in Python 3.11.",
                DeprecationWarning,
                stacklevel=3,
            )
            loop = asyncio.get_running_loop()
            fs = {asyncio.ensure_future(f, loop=loop) for f in fs}
        return fs
