"""``gather`` under trio (and any non-asyncio backend), through anyio.

trio has no unscoped tasks, so the children run in a task group inside the
awaiting task: when one fails, the others are cancelled (not left running as
asyncio's are), and the first error is raised once they have all finished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio

from asynckit._bounded import BaseExceptionGroup, close_coroutines

if TYPE_CHECKING:
    from collections.abc import Awaitable, Generator


async def gather_anyio(
    items: list[Awaitable[Any]],
    positions: list[int] | None,
    *,
    limit: int | None,
    return_exceptions: bool,
    cancel_on_error: bool,
) -> list[Any]:
    """Await *items* with at most *limit* in flight; results ordered by *positions*.

    ``positions`` maps each argument to its item; ``None`` when they are the same.
    """
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    pending = list(items)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < len(pending):
            index = next_index
            next_index += 1
            item = pending[index]
            pending[index] = None  # type: ignore[call-overload]
            try:
                results[index] = await item
            except Exception as exc:
                if return_exceptions:
                    results[index] = exc
                else:
                    errors.append(exc)
                    scope.cancel()
                    return
                del exc

    try:
        async with anyio.create_task_group() as tg:
            scope = tg.cancel_scope
            for _ in range(min(limit or len(items), len(items))):
                tg.start_soon(worker)
    finally:
        # Cancelled or failed before every item started: close the rest.
        close_coroutines(pending[next_index:])
    if not items:
        await anyio.lowlevel.checkpoint()
    if errors:
        if cancel_on_error and len(errors) > 1:
            raise BaseExceptionGroup("multiple errors in gather(cancel_on_error=True)", errors)
        raise errors[0]
    return results if positions is None else [results[index] for index in positions]


class AnyioGathering:
    """The awaitable ``gather`` returns outside asyncio; it can be awaited once."""

    __slots__ = ("_cancel_on_error", "_items", "_limit", "_positions", "_return_exceptions")

    def __init__(
        self,
        items: list[Awaitable[Any]],
        positions: list[int] | None,
        *,
        limit: int | None,
        return_exceptions: bool,
        cancel_on_error: bool,
    ) -> None:
        self._items: list[Awaitable[Any]] | None = items
        self._positions = positions
        self._limit = limit
        self._return_exceptions = return_exceptions
        self._cancel_on_error = cancel_on_error

    def __await__(self) -> Generator[Any, None, list[Any]]:
        items = self._items
        if items is None:
            raise RuntimeError("this gather() result was already awaited")
        self._items = None
        return gather_anyio(
            items,
            self._positions,
            limit=self._limit,
            return_exceptions=self._return_exceptions,
            cancel_on_error=self._cancel_on_error,
        ).__await__()

    def __del__(self) -> None:
        # Never awaited: close the coroutines so none is reported never-awaited.
        if self._items is not None:
            close_coroutines(self._items)
