"""The asyncio (and uvloop) event loop behind a `LoopThread`."""

from __future__ import annotations

import asyncio
import inspect
from types import CoroutineType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from asynckit._loopthread_calls import Call


def check_awaitable(call: Call, result: object) -> Awaitable[Any]:
    """Return ``result`` if it can be awaited; otherwise raise a `TypeError` naming the call."""
    if type(result) is CoroutineType or inspect.isawaitable(result):
        return result
    raise TypeError(
        f"run() and submit() take an async function or a coroutine object, but "
        f"{call.fn!r} returned {result!r}, which cannot be awaited; "
        f"use LoopThread.call() for a sync function"
    )


def call_sync(call: Call) -> None:
    """Run a ``LoopThread.call`` request right here on the loop thread."""
    try:
        value = call.context.run(call.fn, *call.args)  # type: ignore[arg-type]
    except BaseException as exc:
        call.set_exception(exc)
        del exc
        return
    if inspect.iscoroutine(value):
        value.close()
        call.set_exception(
            TypeError(
                f"LoopThread.call() runs a sync function, but {call.fn!r} returned a coroutine; "
                f"use LoopThread.run() for async functions"
            )
        )
        return
    call.set_result(value)


class AsyncioRunner:
    """Runs an asyncio loop in the current thread and starts calls on it as tasks.

    Every method but `run` and the ``schedule`` attribute is called on the loop thread.
    """

    def __init__(
        self,
        loop_factory: Callable[[], asyncio.AbstractEventLoop],
        debug: bool,
        closed_error: Callable[[], BaseException],
    ) -> None:
        self._loop_factory = loop_factory
        self._debug = debug
        self._closed_error = closed_error
        self._loop: asyncio.AbstractEventLoop | None = None
        self._shutdown_task: asyncio.Task[None] | None = None
        self._shut_down = False
        #: Calls whose task was created and has not completed them yet.
        self.inflight: set[Call] = set()
        #: Set when the loop starts shutting down: calls that arrive then are refused.
        self.closing = False
        #: The exception that escaped the event loop, if one did.
        self.crash: BaseException | None = None

    def run(self, ready: Callable[[Callable[..., object]], None], timeout: float) -> None:
        """Create the loop, report its thread-safe scheduler, and run until shut down."""
        loop = self._loop_factory()
        self._loop = loop
        try:
            loop.set_debug(self._debug)
            asyncio.set_event_loop(loop)
            ready(loop.call_soon_threadsafe)
            loop.run_forever()
        except BaseException as exc:
            self.crash = exc
            raise
        finally:
            try:
                if not self._shut_down:
                    # The loop stopped without close(): user code called loop.stop() or an
                    # exception escaped the loop. Still cancel and finalize what is left.
                    loop.run_until_complete(self._shutdown(timeout))
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    def start_call(self, call: Call) -> None:
        """Start one queued call."""
        if self.closing:
            call.discard(self._closed_error())
        elif call.cancel_requested:
            call.close_coro()
            call.set_cancelled()
        elif call.is_async:
            self.inflight.add(call)
            call.handle = call.context.run(
                self._loop.create_task,  # type: ignore[union-attr]
                self._run_call(call),
            )
        else:
            call_sync(call)

    async def _run_call(self, call: Call) -> None:
        try:
            coro = call.coro
            if coro is None:
                awaitable = check_awaitable(call, call.fn(*call.args))  # type: ignore[misc]
            else:
                call.coro = None
                awaitable = coro
            value = await awaitable
        except asyncio.CancelledError as exc:
            if call.cancel_requested:
                call.set_cancelled()
            elif self.closing:
                call.set_exception(self._closed_error())
            else:
                call.set_exception(exc)
        except BaseException as exc:
            call.set_exception(exc)
        else:
            call.set_result(value)
        finally:
            self.inflight.discard(call)
            # The exception's traceback holds this frame: drop the call so the caller's
            # exception does not keep itself alive through a reference cycle.
            del call

    def cancel_call(self, call: Call) -> None:
        """Cancel a call's task (or the call itself if its task has not started yet)."""
        call.cancel_requested = True
        task = call.handle
        if task is not None and task.cancel():
            # A task cancelled before its first step never runs its coroutine, so
            # _run_call cannot report it; this callback does.
            task.add_done_callback(lambda _: self._finish_cancelled(call))

    def _finish_cancelled(self, call: Call) -> None:
        call.close_coro()
        call.set_cancelled()
        self.inflight.discard(call)

    def begin_shutdown(self, timeout: float) -> None:
        """Cancel every task, then stop the loop (see `_shutdown`)."""
        if not self._shut_down:  # else the loop stopped on its own and is shutting down
            loop = self._loop
            assert loop is not None
            self._shutdown_task = loop.create_task(self._shutdown(timeout))
            self._shutdown_task.add_done_callback(lambda _: loop.stop())

    async def _shutdown(self, timeout: float) -> None:
        """Cancel the remaining tasks, wait for them (bounded), finalize asyncgens and executor.

        Mirrors ``asyncio.run``'s ending, with bounds so a task that ignores cancellation
        or a stuck executor thread cannot hang ``close()``.
        """
        self.closing = True
        self._shut_down = True
        loop = asyncio.get_running_loop()
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks(loop) if task is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                loop.call_exception_handler(
                    {
                        "message": "unhandled exception during LoopThread.close()",
                        "exception": task.exception(),
                        "task": task,
                    }
                )
        await loop.shutdown_asyncgens()
        try:
            await asyncio.wait_for(loop.shutdown_default_executor(), timeout)
        except asyncio.TimeoutError:
            pass
