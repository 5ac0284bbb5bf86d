"""Start awaitables at most ``limit`` at a time, each represented by a future at once.

``wait`` and ``as_completed`` hand futures back to their caller before the
awaitables behind them have started. A :class:`Launcher` gives every awaitable
that is not already a future a *proxy* future, wraps the awaitable in a task only
when a slot frees, and copies the task's outcome to the proxy. Cancelling a proxy
cancels its task, or closes its coroutine if it has not started.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from typing import TYPE_CHECKING, Any

from asynckit._bounded import close_coroutines, wait_finished

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable


class Launcher:
    """Runs *items* on *loop* with at most *limit* of the started ones in flight.

    Attributes:
        futures: One future per item, in order: the item itself when it is a
            future, otherwise its proxy.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        items: Iterable[Awaitable[Any]],
        limit: int | None,
    ) -> None:
        self._loop = loop
        self._limit = limit
        self._in_flight = 0
        self._todo: deque[asyncio.Future[Any]] = deque()
        self._unstarted: dict[asyncio.Future[Any], Awaitable[Any]] = {}
        self._tasks: dict[asyncio.Future[Any], asyncio.Future[Any]] = {}
        self.futures: list[asyncio.Future[Any]] = []
        for item in items:
            if asyncio.isfuture(item):
                self.futures.append(item)
            elif limit is None:
                self.futures.append(asyncio.ensure_future(item, loop=loop))
            else:
                proxy: asyncio.Future[Any] = loop.create_future()
                proxy.add_done_callback(self._proxy_done)
                self._todo.append(proxy)
                self._unstarted[proxy] = item
                self.futures.append(proxy)
        self._fill()

    def _fill(self) -> None:
        limit = self._limit
        assert limit is not None or not self._todo
        while self._todo and self._in_flight < limit:  # type: ignore[operator]
            proxy = self._todo.popleft()
            if proxy.done():
                # Cancelled before it started: _proxy_done closes its coroutine.
                continue
            item = self._unstarted.pop(proxy)
            try:
                task = asyncio.ensure_future(item, loop=self._loop)
            except BaseException:
                # The loop refused the task: close this coroutine and the rest.
                close_coroutines([item])
                self.close_unstarted()
                raise
            self._in_flight += 1
            self._tasks[proxy] = task
            task.add_done_callback(functools.partial(self._task_done, proxy))

    def _task_done(self, proxy: asyncio.Future[Any], task: asyncio.Future[Any]) -> None:
        self._in_flight -= 1
        del self._tasks[proxy]
        if proxy.done():
            if not task.cancelled():
                task.exception()  # Mark it retrieved: the proxy was cancelled.
        elif task.cancelled():
            proxy.cancel()
        elif (exc := task.exception()) is not None:
            proxy.set_exception(exc)
        else:
            proxy.set_result(task.result())
        self._fill()

    def _proxy_done(self, proxy: asyncio.Future[Any]) -> None:
        if not proxy.cancelled():
            return
        task = self._tasks.get(proxy)
        if task is not None:
            task.cancel()
            return
        # Not started yet: close its coroutine now; _fill() skips the entry.
        close_coroutines([self._unstarted.pop(proxy, None)])

    def close_unstarted(self) -> None:
        """Close every coroutine not started yet and cancel its proxy."""
        unstarted = self._unstarted
        self._todo.clear()
        self._unstarted = {}
        close_coroutines(unstarted.values())
        for proxy in unstarted:
            proxy.cancel()

    async def cancel_and_wait(self) -> None:
        """Cancel everything not done and wait until every started task has finished.

        If the caller is cancelled while waiting, it keeps waiting for the
        children (so none is left pending) and then re-raises the cancellation.
        """
        self.close_unstarted()
        for fut in self.futures:
            fut.cancel()
        await wait_finished((*self.futures, *self._tasks.values()))
