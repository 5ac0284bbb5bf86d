"""Async context managers and async iterators driven from sync code by a `LoopThread`.

Each one is hosted by a single task on the loop, which the caller's thread drives step
by step: ``__aenter__``/``__aexit__`` (or every ``__anext__`` and the final ``aclose``)
run in that same task, so cancel scopes, task groups and timeouts opened inside an async
context manager or an async generator stay in the task that opened them.
"""

from __future__ import annotations

import concurrent.futures
from collections import deque
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Generator
    from contextlib import AbstractAsyncContextManager
    from types import TracebackType

    from asynckit._loopthread import LoopThread
    from asynckit._loopthread_calls import LoopThreadFuture

T = TypeVar("T")


class _Inbox:
    """Requests from the caller's thread to a host task; used on the loop thread only."""

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._event: anyio.Event | None = None

    def put(self, item: object) -> None:
        self._items.append(item)
        if self._event is not None:
            self._event.set()

    async def get(self) -> Any:
        while not self._items:
            self._event = anyio.Event()
            await self._event.wait()
        self._event = None
        return self._items.popleft()


def _wait_either(reply: concurrent.futures.Future[T], host: LoopThreadFuture[Any]) -> T:
    """Wait for the host task's reply; if the task ended instead, raise why it did."""
    concurrent.futures.wait((reply, host), return_when=concurrent.futures.FIRST_COMPLETED)
    if not reply.done():
        host.result()  # raises the reason the task ended
    return reply.result(timeout=0)


async def _host_cm(
    cm: AbstractAsyncContextManager[T],
    inbox: _Inbox,
    entered: concurrent.futures.Future[T],
) -> bool | None:
    value = await cm.__aenter__()
    entered.set_result(value)
    try:
        exc_info = await inbox.get()
    except BaseException as exc:
        # Cancelled while the sync body runs (the LoopThread is closing): exit the
        # context manager with the cancellation, as `async with` would.
        await cm.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    return await cm.__aexit__(*exc_info)


class SyncContextManager(Generic[T]):
    """The sync context manager returned by `LoopThread.enter` (single use)."""

    def __init__(self, loop_thread: LoopThread, cm: AbstractAsyncContextManager[T]) -> None:
        if not (hasattr(cm, "__aenter__") and hasattr(cm, "__aexit__")):
            hint = "; use it directly in a `with` statement" if hasattr(cm, "__enter__") else ""
            raise TypeError(
                f"LoopThread.enter() expected an async context manager, got {cm!r}{hint}"
            )
        self._loop_thread = loop_thread
        self._cm = cm
        self._inbox = _Inbox()
        self._host: LoopThreadFuture[bool | None] | None = None

    def __enter__(self) -> T:
        if self._host is not None:
            raise RuntimeError("this LoopThread.enter() context manager was already entered")
        loop_thread = self._loop_thread
        loop_thread._check_not_loop_thread("enter")
        entered: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._host = loop_thread.submit(_host_cm, self._cm, self._inbox, entered)
        return _wait_either(entered, self._host)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        host = self._host
        assert host is not None
        if not host.done():
            self._loop_thread.call(self._inbox.put, (exc_type, exc, tb))
        try:
            return bool(host.result())
        except BaseException as error:
            if error is exc:
                # __aexit__ re-raised the body's exception: let `with` propagate it.
                return False
            raise
        finally:
            del exc, tb


async def _host_iter(iterable: AsyncIterable[T], inbox: _Inbox) -> None:
    iterator: AsyncIterator[T] = iterable.__aiter__()
    try:
        while True:
            reply: concurrent.futures.Future[tuple[bool, T | None]] | None = await inbox.get()
            if reply is None:
                return
            try:
                item = await iterator.__anext__()
            except StopAsyncIteration:
                reply.set_result((False, None))
                return
            except Exception as exc:
                reply.set_exception(exc)
                return
            reply.set_result((True, item))
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def iterate(loop_thread: LoopThread, iterable: AsyncIterable[T]) -> Generator[T, None, None]:
    """Return a generator of ``iterable``'s items, iterated on the loop (see ``iterate``)."""
    if not hasattr(iterable, "__aiter__"):
        hint = "; iterate over it directly" if hasattr(iterable, "__iter__") else ""
        raise TypeError(f"LoopThread.iterate() expected an async iterable, got {iterable!r}{hint}")
    return _iterate(loop_thread, iterable)


def _iterate(loop_thread: LoopThread, iterable: AsyncIterable[T]) -> Generator[T, None, None]:
    loop_thread._check_not_loop_thread("iterate")
    inbox = _Inbox()
    host = loop_thread.submit(_host_iter, iterable, inbox)
    try:
        while True:
            reply: concurrent.futures.Future[tuple[bool, T]] = concurrent.futures.Future()
            loop_thread.call(inbox.put, reply)
            more, item = _wait_either(reply, host)
            if not more:
                return
            yield item
    finally:
        if not host.done():
            # The caller left the loop early: ask the host task to close the iterator.
            loop_thread.call(inbox.put, None)
        host.result()
