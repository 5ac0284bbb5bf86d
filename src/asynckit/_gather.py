"""``gather``: a drop-in for ``asyncio.gather`` with a concurrency limit.

Without ``limit`` (or with one at least as large as the number of awaitables) and
without ``cancel_on_error`` it *is* ``asyncio.gather``; otherwise a callback-driven
future starts the awaitables as slots free (see ``_gather_future``). Under trio it
runs through anyio (see ``_gather_anyio``).
"""

from __future__ import annotations

import asyncio
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from asynckit._bounded import (
    check_awaitables,
    check_limit,
    close_coroutines,
    is_trio_running,
    running_asyncio_loop,
)
from asynckit._gather_anyio import AnyioGathering
from asynckit._gather_future import BoundedGatheringFuture

if TYPE_CHECKING:
    from collections.abc import Awaitable

_T = TypeVar("_T")
_T1 = TypeVar("_T1")
_T2 = TypeVar("_T2")
_T3 = TypeVar("_T3")
_T4 = TypeVar("_T4")
_T5 = TypeVar("_T5")
_T6 = TypeVar("_T6")


@overload
def gather(  # type: ignore[overload-overlap]
    aw1: Awaitable[_T1],
    /,
    *,
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1]]: ...


@overload
def gather(  # type: ignore[overload-overlap]
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    /,
    *,
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1, _T2]]: ...


@overload
def gather(  # type: ignore[overload-overlap]
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    /,
    *,
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1, _T2, _T3]]: ...


@overload
def gather(  # type: ignore[overload-overlap]
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    aw4: Awaitable[_T4],
    /,
    *,
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1, _T2, _T3, _T4]]: ...


@overload
def gather(  # type: ignore[overload-overlap]
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    aw4: Awaitable[_T4],
    aw5: Awaitable[_T5],
    /,
    *,
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1, _T2, _T3, _T4, _T5]]: ...


@overload
def gather(  # type: ignore[overload-overlap]
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    aw4: Awaitable[_T4],
    aw5: Awaitable[_T5],
    aw6: Awaitable[_T6],
    /,
    *,
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1, _T2, _T3, _T4, _T5, _T6]]: ...


@overload
def gather(  # type: ignore[overload-overlap]
    *aws: Awaitable[_T],
    return_exceptions: Literal[False] = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[list[_T]]: ...


@overload
def gather(
    aw1: Awaitable[_T1],
    /,
    *,
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1 | BaseException]]: ...


@overload
def gather(
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    /,
    *,
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1 | BaseException, _T2 | BaseException]]: ...


@overload
def gather(
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    /,
    *,
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[tuple[_T1 | BaseException, _T2 | BaseException, _T3 | BaseException]]: ...


@overload
def gather(
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    aw4: Awaitable[_T4],
    /,
    *,
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[
    tuple[_T1 | BaseException, _T2 | BaseException, _T3 | BaseException, _T4 | BaseException]
]: ...


@overload
def gather(
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    aw4: Awaitable[_T4],
    aw5: Awaitable[_T5],
    /,
    *,
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[
    tuple[
        _T1 | BaseException,
        _T2 | BaseException,
        _T3 | BaseException,
        _T4 | BaseException,
        _T5 | BaseException,
    ]
]: ...


@overload
def gather(
    aw1: Awaitable[_T1],
    aw2: Awaitable[_T2],
    aw3: Awaitable[_T3],
    aw4: Awaitable[_T4],
    aw5: Awaitable[_T5],
    aw6: Awaitable[_T6],
    /,
    *,
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[
    tuple[
        _T1 | BaseException,
        _T2 | BaseException,
        _T3 | BaseException,
        _T4 | BaseException,
        _T5 | BaseException,
        _T6 | BaseException,
    ]
]: ...


@overload
def gather(
    *aws: Awaitable[_T],
    return_exceptions: bool,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[list[_T | BaseException]]: ...


def gather(
    *aws: Awaitable[Any],
    return_exceptions: bool = False,
    limit: int | None = None,
    cancel_on_error: bool = False,
) -> asyncio.Future[Any]:
    """Run awaitables concurrently, at most *limit* at a time, and collect their results.

    A drop-in for ``asyncio.gather``: on asyncio it returns a
    future (await it, cancel it, add callbacks to it) whose result is the list
    of results in argument order. Without *limit* and *cancel_on_error* it is
    ``asyncio.gather`` itself, and so is it when *limit* is at least the number
    of awaitables.

    With ``limit=K`` at most K of the awaitables are in flight: a coroutine is
    wrapped in a task only when a slot frees. Awaitables that are already
    futures (tasks) run anyway and take no slot. Cancelling the returned future
    cancels the children in flight and closes the coroutines not started yet.

    Without *cancel_on_error*, the first error is propagated at once and the
    other awaitables keep running (and starting, under a limit) to completion,
    as with ``asyncio.gather``. With ``cancel_on_error=True`` the first error
    cancels everything in flight, closes what has not started, waits for the
    children to finish and then raises it; if other children failed too, a
    ``BaseExceptionGroup`` with every error (the first one first) is raised
    instead, so no error is lost.

    Under trio (through anyio) ``gather`` returns an awaitable that must be
    awaited in the calling task; the results and the first error are the same,
    but as trio has no unscoped tasks the other children are cancelled after an
    error rather than left running.

    Args:
        *aws: Coroutines, tasks, futures or other awaitables. The same object
            passed twice runs once and fills both result slots.
        return_exceptions: Return exceptions (including ``CancelledError`` of a
            cancelled child) in the result list instead of raising the first.
        limit: The most awaitables in flight at once; ``None`` for no limit.
        cancel_on_error: On the first error, cancel the others and wait for them
            before raising (ignored with *return_exceptions*).

    Returns:
        On asyncio a future resolving to the list of results; under trio an
        awaitable resolving to the same list.

    Raises:
        TypeError: *limit* is not an int, or an argument is not awaitable (the
            coroutines passed are closed first).
        ValueError: *limit* is less than 1, or the futures belong to different
            event loops.

    .. versionadded:: 0.1.0
    """
    check_limit(limit, owner="gather", refused=aws)
    # The common case, checked at C speed: nothing but coroutines.
    coroutines_only = bool(aws) and set(map(type, aws)) == _COROUTINE_TYPE_ONLY
    if not coroutines_only:
        check_awaitables(aws, owner="gather")
    if running_asyncio_loop() is None and is_trio_running():
        items, positions = _unique(aws)
        return AnyioGathering(  # type: ignore[return-value]
            items,
            positions,
            limit=limit,
            return_exceptions=return_exceptions,
            cancel_on_error=cancel_on_error,
        )
    if not aws or (not cancel_on_error and (limit is None or limit >= len(aws))):
        return asyncio.gather(*aws, return_exceptions=return_exceptions)
    return bounded_future(
        aws,
        limit=limit,
        return_exceptions=return_exceptions,
        cancel_on_error=cancel_on_error,
        coroutines_only=coroutines_only,
    )


def bounded_future(
    aws: tuple[Awaitable[Any], ...],
    *,
    limit: int | None,
    return_exceptions: bool,
    cancel_on_error: bool,
    coroutines_only: bool,
) -> BoundedGatheringFuture:
    """The future of a bounded gather on asyncio, over checked, non-empty *aws*."""
    items, positions = _unique(aws)
    return BoundedGatheringFuture(
        _event_loop(items, coroutines_only=coroutines_only),
        items,
        positions,
        limit=len(items) if limit is None else limit,
        return_exceptions=return_exceptions,
        cancel_on_error=cancel_on_error,
        coroutines_only=coroutines_only,
    )


_COROUTINE_TYPE_ONLY = {CoroutineType}


def _unique(aws: tuple[Awaitable[Any], ...]) -> tuple[list[Awaitable[Any]], list[int] | None]:
    """Deduplicate *aws* (as asyncio.gather does) and map each argument to its item.

    The map is ``None`` when every argument is distinct (each is its own item).
    """
    if len(set(aws)) == len(aws):
        return list(aws), None
    index_of: dict[Awaitable[Any], int] = {}
    positions: list[int] = []
    for aw in aws:
        index = index_of.setdefault(aw, len(index_of))
        positions.append(index)
    return list(index_of), positions


def _event_loop(items: list[Awaitable[Any]], *, coroutines_only: bool) -> asyncio.AbstractEventLoop:
    """The futures' common loop, else the current one; closes coroutines on error."""
    loop: asyncio.AbstractEventLoop | None = None
    for item in () if coroutines_only else items:
        if asyncio.isfuture(item):
            item_loop = item.get_loop()
            if loop is None:
                loop = item_loop
            elif item_loop is not loop:
                close_coroutines(items)
                raise ValueError("gather() arguments must all belong to the same event loop")
    if loop is not None:
        return loop
    try:
        return asyncio.get_event_loop()
    except BaseException:
        close_coroutines(items)
        raise
