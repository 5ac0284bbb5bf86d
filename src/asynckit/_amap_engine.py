"""The machinery behind ``amap``: a worker pool with a bounded reorder window.

``limit`` workers pull items from one shared iterator and await ``fn(item)`` in
place, so only O(limit) objects are alive however long the input. Items are
numbered as they are pulled; a worker pulls only while fewer than ``window``
items are pulled but not yet handed to the consumer, which bounds both the
reorder buffer (ordered mode: a slow head item lets at most ``window - 1`` later
ones run ahead) and the results waiting for a slow consumer.

Parked workers are woken one at a time: the woken worker wakes the next one
only once it has pulled an item, so a window that refills in one step (``fn``
returning without suspending) costs one wake-up, not one per worker.

Backends differ only in a few primitives (one-shot waiters, spawning and
cancelling the workers): raw asyncio futures and tasks on asyncio, for speed;
trio events and a system task hosting an anyio task group on trio, where the
workers must outlive the ``__anext__`` call that starts them.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections import deque
from typing import TYPE_CHECKING, Any

import anyio

from asynckit._bounded import wait_finished

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator

_EXHAUSTED: Any = object()


class _NotCalled:
    """Stands for "no fn(item) result yet": it is awaitable, so it is never blamed."""

    def __await__(self) -> Generator[Any, None, None]:  # pragma: no cover - never awaited
        yield


_NOT_CALLED = _NotCalled()


class Engine:
    """Shared state of one ``amap`` run; the workers hold it, not the user's object."""

    def __init__(
        self,
        fn: Callable[[Any], Awaitable[Any]],
        iterator: Iterator[Any] | AsyncIterator[Any],
        is_async: bool,
        *,
        limit: int,
        ordered: bool,
        return_exceptions: bool,
        timeout: float | None,
        max_per_second: float | None,
        progress: Callable[[int, int | None], object] | None,
        total: int | None,
    ) -> None:
        self.fn: Callable[[Any], Awaitable[Any]] = fn
        self.iterator: Iterator[Any] | AsyncIterator[Any] = iterator
        self.is_async: bool = is_async
        self.limit: int = limit
        self.window: int = 2 * limit
        self.ordered: bool = ordered
        self.return_exceptions: bool = return_exceptions
        self.timeout: float | None = timeout
        self.interval: float | None = None if max_per_second is None else 1.0 / max_per_second
        self.progress: Callable[[int, int | None], object] | None = progress
        self.total: int | None = total
        self.next_start: float = -float("inf")
        # Counters: items pulled, handed to the consumer, finished.
        self.started: int = 0
        self.yielded: int = 0
        self.finished: int = 0
        self.exhausted: bool = False
        self.ready: dict[int, Any] = {}
        self.ready_queue: deque[Any] = deque()
        self.error: BaseException | None = None
        self.active: int = 0
        self.closing: bool = False
        self.running: bool = False
        self.parked: deque[Any] = deque()
        self.wake_pending: bool = False
        self.waiter: Any = None
        self.pull_lock: anyio.Lock | None = None
        self.rate_lock: anyio.Lock | None = None
        self.backend: _Backend | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the workers on the running backend (asyncio or trio)."""
        if self.running:
            return
        self.running = True
        loop = asyncio._get_running_loop()
        self.backend = _AsyncioBackend(loop) if loop is not None else _TrioBackend()
        if self.is_async:
            self.pull_lock = anyio.Lock()
        if self.interval is not None:
            self.rate_lock = anyio.Lock()
        # No more workers than items when the input has a length (at least one,
        # to find the end).
        count = self.limit if self.total is None else max(1, min(self.limit, self.total))
        self.active = count
        self.backend.spawn(self, count)

    def abort(self) -> None:
        """Cancel every worker without waiting (the consumer went away)."""
        self.closing = True
        # Stop pulling input, including in workers that start after this (an
        # eager task factory runs each worker as it is created).
        self.exhausted = True
        assert self.backend is not None
        self.backend.cancel()

    async def shutdown(self) -> None:
        """Cancel every worker and wait until all have exited."""
        self.closing = True
        self.ready.clear()
        self.ready_queue.clear()
        if self.backend is not None and self.active:
            self.backend.cancel()
            await self.backend.join(self)

    # ------------------------------------------------------------------ workers

    async def run_worker(self) -> None:
        """Pull items and run ``fn`` on each until the input ends or the run fails."""
        # The per-item path is written out inline with locals: it is the hot loop
        # that the benchmarks hold to within a small factor of a bare worker pool.
        fn = self.fn
        iterator = self.iterator
        timeout = self.timeout
        window = self.window
        parked = self.parked
        ordered = self.ordered
        ready = self.ready
        ready_queue = self.ready_queue
        is_async = self.is_async
        simple = timeout is None and self.interval is None
        progress = self.progress
        backend = self.backend
        assert backend is not None
        awaitable: Any = _NOT_CALLED
        try:
            while not self.exhausted:
                index = self.started
                if index - self.yielded >= window:
                    waiter = backend.new_waiter()
                    parked.append(waiter)
                    await backend.wait(waiter)
                    self.wake_pending = False
                    continue
                if is_async:
                    item = await self._pull_async()
                else:
                    item = next(iterator, _EXHAUSTED)  # type: ignore[arg-type]
                if item is _EXHAUSTED:
                    self._end_of_input()
                    break
                if is_async:
                    index = self.started  # Other workers pulled while this one waited.
                self.started = index + 1
                if parked and not self.wake_pending and index + 1 - self.yielded < window:
                    self.wake_worker()
                try:
                    if simple:
                        awaitable = fn(item)
                        result = await awaitable
                    else:
                        result = await self._call_slow(fn, item)
                except Exception as exc:
                    if isinstance(exc, TypeError) and not inspect.isawaitable(awaitable):
                        # fn returned something that cannot be awaited.
                        exc = _not_awaitable(fn, awaitable)
                    awaitable = _NOT_CALLED
                    if not self.return_exceptions:
                        self.fail(exc)
                        return
                    result = exc
                    del exc
                if ordered:
                    ready[index] = result
                    if index == self.yielded and self.waiter is not None:
                        self._wake_consumer()
                else:
                    ready_queue.append(result)
                    if self.waiter is not None:
                        self._wake_consumer()
                if progress is not None:
                    self.finished += 1
                    progress(self.finished, self.total)
        except BaseException as exc:
            # Our own cancellation (shutdown/abort) ends the worker quietly;
            # anything else (the input iterator failing, KeyboardInterrupt, a
            # cancellation from outside) fails the run.
            if not self.closing:
                self.fail(exc)
            del exc
        finally:
            self.active -= 1
            if not self.active:
                self._wake_consumer()

    async def _call_slow(self, fn: Callable[[Any], Awaitable[Any]], item: Any) -> Any:
        """One call with a start-rate limit and/or a timeout."""
        if self.interval is not None:
            await self._rate_gate()
        awaitable = fn(item)
        if not inspect.isawaitable(awaitable):
            raise _not_awaitable(fn, awaitable)
        if self.timeout is None:
            return await awaitable
        with anyio.fail_after(self.timeout):
            return await awaitable

    async def _pull_async(self) -> Any:
        # Async iterators (async generators above all) cannot be advanced by two
        # workers at once: take turns.
        assert self.pull_lock is not None
        async with self.pull_lock:
            if self.exhausted:
                return _EXHAUSTED
            try:
                return await self.iterator.__anext__()  # type: ignore[union-attr]
            except StopAsyncIteration:
                return _EXHAUSTED

    async def _rate_gate(self) -> None:
        # Starts go through the gate one at a time, each at least 1 / max_per_second
        # after the previous one, the first at once: a burst of one.
        assert self.interval is not None
        assert self.rate_lock is not None
        async with self.rate_lock:
            delay = self.next_start - anyio.current_time()
            if delay > 0:
                await anyio.sleep(delay)
            self.next_start = anyio.current_time() + self.interval

    def _end_of_input(self) -> None:
        self.exhausted = True
        backend = self.backend
        assert backend is not None
        while self.parked:
            backend.wake(self.parked.popleft())

    def wake_worker(self) -> None:
        assert self.backend is not None
        self.wake_pending = True
        self.backend.wake(self.parked.popleft())

    def fail(self, exc: BaseException) -> None:
        """Record the run's first error and cancel the other workers."""
        if self.error is None:
            self.error = exc
        self.abort()
        self._wake_consumer()

    # ------------------------------------------------------------------ consumer side

    def _wake_consumer(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            assert self.backend is not None
            self.backend.wake(waiter)

    async def wait_for_results(self) -> None:
        """Suspend the consumer until a result, the end or an error arrives."""
        backend = self.backend
        assert backend is not None
        self.waiter = waiter = backend.new_waiter()
        try:
            await backend.wait(waiter)
        finally:
            self.waiter = None


def _not_awaitable(fn: object, value: object) -> TypeError:
    return TypeError(
        f"amap() argument 'fn' must be an async function, but {fn!r} "
        f"returned {type(value).__name__} ({value!r})"
    )


class _Backend:
    def new_waiter(self) -> Any:
        raise NotImplementedError

    def wake(self, waiter: Any) -> None:
        raise NotImplementedError

    def wait(self, waiter: Any) -> Awaitable[Any]:
        raise NotImplementedError

    def spawn(self, engine: Engine, count: int) -> None:
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError

    async def join(self, engine: Engine) -> None:
        raise NotImplementedError


class _AsyncioBackend(_Backend):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.tasks: list[asyncio.Task[None]] = []

    def new_waiter(self) -> asyncio.Future[None]:
        return self.loop.create_future()

    def wake(self, waiter: asyncio.Future[None]) -> None:
        # A parked worker cancelled by abort() leaves its cancelled waiter behind.
        if not waiter.done():  # pragma: no branch
            waiter.set_result(None)

    def wait(self, waiter: asyncio.Future[None]) -> Awaitable[None]:
        return waiter

    def spawn(self, engine: Engine, count: int) -> None:
        # Appended one by one: with an eager task factory a worker runs (and may
        # fail and cancel the others) inside create_task().
        for _ in range(count):
            self.tasks.append(self.loop.create_task(engine.run_worker()))

    def cancel(self) -> None:
        for task in self.tasks:
            if not task.done():
                try:
                    task.cancel()
                except RuntimeError:  # pragma: no cover - the loop is closed
                    pass

    async def join(self, engine: Engine) -> None:
        await wait_finished(self.tasks)


class _TrioBackend(_Backend):
    def __init__(self) -> None:
        import trio

        self.trio = trio
        self.scope = trio.CancelScope()
        self.done = trio.Event()

    def new_waiter(self) -> Any:
        return self.trio.Event()

    def wake(self, waiter: Any) -> None:
        waiter.set()

    def wait(self, waiter: Any) -> Awaitable[None]:
        return waiter.wait()  # type: ignore[no-any-return]

    def spawn(self, engine: Engine, count: int) -> None:
        # trio has no unscoped tasks: the workers live in a system task, so that
        # `async for` can drive them from successive __anext__ calls.
        self.trio.lowlevel.spawn_system_task(
            self._host, engine, count, context=contextvars.copy_context(), name="asynckit.amap"
        )

    async def _host(self, engine: Engine, count: int) -> None:
        try:
            with self.scope:
                async with anyio.create_task_group() as tg:
                    for _ in range(count):
                        tg.start_soon(engine.run_worker)
        except BaseException as exc:  # pragma: no cover - workers catch everything
            engine.fail(exc)
        finally:
            self.done.set()

    def cancel(self) -> None:
        self.scope.cancel()

    async def join(self, engine: Engine) -> None:
        with self.trio.CancelScope(shield=True):
            await self.done.wait()
