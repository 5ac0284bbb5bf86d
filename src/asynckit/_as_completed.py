"""``as_completed``: Python 3.13's ``asyncio.as_completed`` on every Python, bounded.

The iterator follows CPython 3.13 (``Lib/asyncio/tasks.py``, ``_AsCompletedIterator``):
plain iteration yields coroutines that resolve to the next result, ``async for``
yields the futures themselves as they finish. On top of it: ``limit=`` starts the
awaitables lazily (see ``_launcher``), and ``async with`` cancels whatever is still
outstanding when the block exits (python/cpython#99933).
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from asynckit._bounded import check_limit, close_coroutines, is_trio_running, running_asyncio_loop
from asynckit._launcher import Launcher

if TYPE_CHECKING:
    import sys
    from collections.abc import Awaitable, Coroutine, Iterable
    from types import TracebackType

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self

_T = TypeVar("_T")


class _AsCompleted(Generic[_T]):
    """What ``as_completed`` returns: an iterator, an async iterator and an async context manager.

    The futures are yielded as they finish. Leaving an ``async with`` block cancels
    every one not done yet (and closes the coroutines not started under a limit)
    and waits for them before the block exits.
    """

    def __init__(
        self,
        aws: Iterable[Awaitable[_T]],
        timeout: float | None,
        limit: int | None,
    ) -> None:
        self._done: asyncio.Queue[asyncio.Future[_T] | None] = asyncio.Queue()
        self._timeout_handle: asyncio.TimerHandle | None = None
        aws = list(dict.fromkeys(aws))  # Deduplicated, in order: started in that order.
        try:
            loop = asyncio.get_event_loop()
        except BaseException:
            close_coroutines(aws)
            raise
        self._launcher = Launcher(loop, aws, limit)
        todo = set(self._launcher.futures)
        for fut in todo:
            fut.add_done_callback(self._handle_completion)
        if todo and timeout is not None:
            self._timeout_handle = loop.call_later(timeout, self._handle_timeout)
        self._todo = todo
        self._todo_left = len(todo)

    def __repr__(self) -> str:
        return (
            f"<asynckit.as_completed: {len(self._todo)} pending, {self._todo_left} left to yield>"
        )

    def __aiter__(self) -> Self:
        return self

    def __iter__(self) -> Self:
        return self

    async def __anext__(self) -> asyncio.Future[_T]:
        if not self._todo_left:
            raise StopAsyncIteration
        self._todo_left -= 1
        return await self._wait_for_one()

    def __next__(self) -> Coroutine[Any, Any, _T]:
        if not self._todo_left:
            raise StopIteration
        self._todo_left -= 1
        return self._wait_for_one_result()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        # The caller left the block (break, error, timeout, cancellation): cancel
        # what is still running, close what never started, and wait for it all.
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()
        await self._launcher.cancel_and_wait()

    def _handle_timeout(self) -> None:
        for fut in self._todo:
            fut.remove_done_callback(self._handle_completion)
            self._done.put_nowait(None)  # Sentinel for _wait_for_one().
        self._todo.clear()

    def _handle_completion(self, fut: asyncio.Future[_T]) -> None:
        if not self._todo:
            return  # pragma: no cover - _handle_timeout() was here first (a race).
        self._todo.remove(fut)
        self._done.put_nowait(fut)
        if not self._todo and self._timeout_handle is not None:
            self._timeout_handle.cancel()

    async def _wait_for_one(self) -> asyncio.Future[_T]:
        fut = await self._done.get()
        if fut is None:
            # asyncio.TimeoutError: the builtin TimeoutError since 3.11, its own class on 3.10.
            raise asyncio.TimeoutError
        return fut

    async def _wait_for_one_result(self) -> _T:
        fut = await self._wait_for_one()
        return fut.result()


def as_completed(
    aws: Iterable[Awaitable[_T]],
    *,
    timeout: float | None = None,
    limit: int | None = None,
) -> _AsCompleted[_T]:
    """Iterate over awaitables as they complete, at most *limit* running at once.

    A drop-in for ``asyncio.as_completed`` with the
    behaviour of Python 3.13 on every supported Python: plain iteration yields
    coroutines that return (or raise) the next result; ``async for`` yields the
    futures themselves as they finish (the tasks and futures passed in, and new
    tasks for the other awaitables). A ``TimeoutError`` is raised by the
    iteration once *timeout* seconds have passed; as with asyncio, the
    awaitables still pending are not cancelled.

    Used as an async context manager, everything still outstanding when the
    block exits (by ``break``, an error, a timeout or cancellation) is
    cancelled, including the tasks passed in, and the block waits for it::

        async with as_completed(tasks) as results:
            async for fut in results:
                if await fut == wanted:
                    break  # the others are cancelled before the block exits

    With ``limit=K`` only K of the awaitables that are not already futures run
    at once; each is represented by a future from the start, resolved with its
    outcome once it has run. asyncio-only.

    Args:
        aws: An iterable of awaitables (duplicates are run once).
        timeout: Seconds before the iteration raises ``TimeoutError``.
        limit: The most awaitables started by this call in flight at once;
            ``None`` for no limit.

    Returns:
        An iterator, async iterator and async context manager.

    Raises:
        TypeError: *aws* is a single awaitable, not an iterable of them, or
            *limit* is not an int.
        ValueError: *limit* is less than 1.
        RuntimeError: Called under trio: use ``amap(..., ordered=False)``.

    .. versionadded:: 0.1.0
    """
    if inspect.isawaitable(aws):
        raise TypeError(f"expects an iterable of awaitables, not {type(aws).__name__}")
    if running_asyncio_loop() is None and is_trio_running():
        aws = list(aws)
        close_coroutines(aws)
        raise RuntimeError(
            "as_completed() works on asyncio only; under trio use "
            "asynckit.amap(fn, items, limit=..., ordered=False)"
        )
    if limit is not None:
        aws = list(aws)
        check_limit(limit, owner="as_completed", refused=aws)
    return _AsCompleted(aws, timeout, limit)
