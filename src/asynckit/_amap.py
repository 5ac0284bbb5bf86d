"""``amap``: a streaming, bounded, ordered-or-not async map over any iterable."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterable, Iterable, Sized
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from asynckit._amap_engine import Engine
from asynckit._bounded import check_limit, check_rate

if TYPE_CHECKING:
    import sys
    from collections.abc import Awaitable, Callable
    from types import TracebackType

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self

_T = TypeVar("_T")
_MISSING: Any = object()
_R = TypeVar("_R")


class _AsyncMap(Generic[_R]):
    """The results of ``amap``: an async iterator and an async context manager.

    Iterating starts the workers. Leaving an ``async with`` block cancels every
    call still running and waits for them before the block exits; plain
    iteration stops them when the object is garbage-collected.
    """

    def __init__(self, engine: Engine, finish: Callable[[], None] | None) -> None:
        self._engine = engine
        self._finish = finish

    def __repr__(self) -> str:
        engine = self._engine
        return (
            f"<asynckit.amap: {engine.started} started, {engine.yielded} yielded, "
            f"limit={engine.limit}, ordered={engine.ordered}>"
        )

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> _R:
        engine = self._engine
        if not engine.running:
            engine.start()
        while True:
            if engine.error is not None:
                await self._close()
                raise engine.error
            if engine.ordered:
                result: Any = engine.ready.pop(engine.yielded, _MISSING)
                if result is not _MISSING:
                    engine.yielded += 1
                    if engine.parked and not engine.wake_pending:
                        engine.wake_worker()
                    return result  # type: ignore[no-any-return]
            elif engine.ready_queue:
                result = engine.ready_queue.popleft()
                engine.yielded += 1
                if engine.parked and not engine.wake_pending:
                    engine.wake_worker()
                return result  # type: ignore[no-any-return]
            if not engine.active:
                await self._close()
                raise StopAsyncIteration
            try:
                await engine.wait_for_results()
            except BaseException:
                # The consumer was cancelled: take the workers down with it.
                await self._close()
                raise

    async def __aenter__(self) -> Self:
        self._engine.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self._close()
        error = self._engine.error
        if exc_type is None and error is not None:
            # The block left early (break) after a call had failed: the error
            # is not lost.
            raise error

    async def aclose(self) -> None:
        """Cancel every call still running and wait for it.

        .. versionadded:: 0.1.0
        """
        await self._close()

    async def _close(self) -> None:
        try:
            await self._engine.shutdown()
        finally:
            if self._finish is not None:
                finish, self._finish = self._finish, None
                finish()

    def __del__(self) -> None:
        # Plain `async for` left early (break): nobody awaits a shutdown, so
        # cancel the workers now; they exit at their next checkpoint.
        engine = self._engine
        if engine.running and engine.active and not engine.closing:
            engine.abort()


@overload
def amap(
    fn: Callable[[_T], Awaitable[_R]],
    iterable: Iterable[_T] | AsyncIterable[_T],
    *,
    limit: int,
    ordered: bool = True,
    return_exceptions: Literal[False] = False,
    timeout: float | None = None,
    max_per_second: float | None = None,
    progress: Callable[[int, int | None], object] | bool | None = None,
) -> _AsyncMap[_R]: ...


@overload
def amap(
    fn: Callable[[_T], Awaitable[_R]],
    iterable: Iterable[_T] | AsyncIterable[_T],
    *,
    limit: int,
    ordered: bool = True,
    return_exceptions: bool,
    timeout: float | None = None,
    max_per_second: float | None = None,
    progress: Callable[[int, int | None], object] | bool | None = None,
) -> _AsyncMap[_R | Exception]: ...


def amap(
    fn: Callable[[_T], Awaitable[_R]],
    iterable: Iterable[_T] | AsyncIterable[_T],
    *,
    limit: int,
    ordered: bool = True,
    return_exceptions: bool = False,
    timeout: float | None = None,
    max_per_second: float | None = None,
    progress: Callable[[int, int | None], object] | bool | None = None,
) -> _AsyncMap[Any]:
    """Map the async function *fn* over *iterable*, at most *limit* calls at a time.

    A streaming map: *iterable* (sync or async) is pulled lazily, only as calls
    can start, so memory stays O(limit) however long the input. The results
    come back as an async iterator, in input order (``ordered=True``) or as the
    calls complete. In ordered mode a slow item does not stop new work at once:
    up to ``2 * limit`` items may be pulled beyond the last result handed out
    (the reorder window); the same bound holds back a consumer that reads more
    slowly than the calls complete.

    Use it directly, ``async for result in amap(fn, items, limit=10)``, or as
    an async context manager, ``async with amap(...) as results``: leaving the
    block early (``break``, an error, cancellation) cancels every call still
    running and waits for them before the block exits. Direct iteration left
    early cancels them when the object is garbage-collected instead.

    Fail-fast by default: the first exception cancels the calls in flight, stops
    pulling input and is raised by the iteration. With ``return_exceptions=True``
    each failed item yields its exception (an ``Exception``; cancellation and
    other ``BaseException`` always propagate).

    Args:
        fn: An async function called once per item, as ``fn(item)``.
        iterable: The items: any iterable or async iterable, possibly endless.
        limit: The most calls in flight at once.
        ordered: Yield results in input order (default) or as they complete.
        return_exceptions: Yield exceptions raised by *fn* instead of raising.
        timeout: Seconds allowed for each call; an item that takes longer
            fails with ``TimeoutError``.
        max_per_second: The most calls started per second. Starts are spaced
            ``1 / max_per_second`` seconds apart, the first one at once: the
            burst is one call.
        progress: A callback ``progress(done, total)`` called after each item
            finishes (``total`` is ``len(iterable)`` or ``None``), or ``True``
            for a progress bar on stderr (needs the ``progress`` extra:
            ``pip install asynckit[progress]``).

    Returns:
        An async iterator of the results, also usable with ``async with``.

    Raises:
        TypeError: *fn* is not an async function (a hint is given when a
            coroutine object was passed instead), *iterable* is not iterable,
            or *limit* is not an int.
        ValueError: *limit* is less than 1, or *max_per_second* or *timeout*
            is not positive.
        ModuleNotFoundError: ``progress=True`` without the ``progress`` extra.

    .. versionadded:: 0.1.0
    """
    _check_fn(fn)
    check_limit(limit, owner="amap")
    check_rate(max_per_second, owner="amap")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"amap() argument 'timeout' must be positive or None, got {timeout!r}")
    if isinstance(iterable, AsyncIterable):
        iterator: Any = iterable.__aiter__()
        is_async = True
    elif isinstance(iterable, Iterable):
        iterator = iter(iterable)
        is_async = False
    else:
        raise TypeError(
            "amap() argument 'iterable' must be an iterable or an async iterable, "
            f"not {type(iterable).__name__}"
        )
    total = len(iterable) if isinstance(iterable, Sized) else None
    callback, finish = _progress_callback(progress, total)
    engine = Engine(
        fn,
        iterator,
        is_async,
        limit=limit,
        ordered=ordered,
        return_exceptions=return_exceptions,
        timeout=timeout,
        max_per_second=max_per_second,
        progress=callback,
        total=total,
    )
    return _AsyncMap(engine, finish)


def _check_fn(fn: object) -> None:
    if inspect.iscoroutine(fn) or inspect.isawaitable(fn):
        name = getattr(fn, "__qualname__", type(fn).__name__)
        if inspect.iscoroutine(fn):
            fn.close()
        raise TypeError(
            f"amap() argument 'fn' must be an async function, not a coroutine object "
            f"({name}); pass the function itself: amap({name}, items, limit=...), "
            f"not amap({name}(...), items, limit=...)"
        )
    if not callable(fn):
        raise TypeError(
            f"amap() argument 'fn' must be an async function, not {type(fn).__name__} ({fn!r})"
        )
    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"amap() argument 'fn' must be an async function returning an awaitable, "
            f"not the generator function {fn!r}"
        )


def _progress_callback(
    progress: Callable[[int, int | None], object] | bool | None, total: int | None
) -> tuple[Callable[[int, int | None], object] | None, Callable[[], None] | None]:
    if progress is None or progress is False:
        return None, None
    if progress is True:
        try:
            tqdm: Any = importlib.import_module("tqdm").tqdm
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                "amap(progress=True) shows its bar with tqdm: install asynckit[progress]",
                name="tqdm",
            ) from exc
        bar = tqdm(total=total, unit="item")

        def update(done: int, total: int | None) -> None:
            bar.update(done - bar.n)

        return update, bar.close
    if not callable(progress):
        raise TypeError(
            "amap() argument 'progress' must be a callable (done, total), True or None, "
            f"not {type(progress).__name__}"
        )
    return progress, None
