"""The trio run behind a `LoopThread` created with ``backend="trio"``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import trio

from asynckit._loopthread_asyncio import call_sync, check_awaitable

if TYPE_CHECKING:
    from collections.abc import Callable

    from asynckit._loopthread_calls import Call


class TrioRunner:
    """Runs ``trio.run`` in the current thread and starts calls in one nursery.

    Calls reach the run through its `trio.lowlevel.TrioToken`; each async call runs in
    its own task under its own cancel scope, so one call can be cancelled alone.
    """

    def __init__(self, closed_error: Callable[[], BaseException]) -> None:
        self._closed_error = closed_error
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self.inflight: set[Call] = set()
        self.closing = False
        self.crash: BaseException | None = None

    def run(self, ready: Callable[[Callable[..., object]], None], timeout: float) -> None:
        """Run trio until shut down; ``timeout`` is unused: trio cannot abandon tasks."""
        del timeout
        trio.run(self._main, ready)

    async def _main(self, ready: Callable[[Callable[..., object]], None]) -> None:
        self._stop = trio.Event()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                ready(trio.lowlevel.current_trio_token().run_sync_soon)
                await self._stop.wait()
                self.closing = True
                nursery.cancel_scope.cancel()
        finally:
            self.closing = True

    def start_call(self, call: Call) -> None:
        """Start one queued call."""
        if self.closing:
            call.discard(self._closed_error())
        elif call.cancel_requested:
            call.close_coro()
            call.set_cancelled()
        elif call.is_async:
            self.inflight.add(call)
            call.context.run(self._nursery.start_soon, self._run_call, call)  # type: ignore[union-attr]
        else:
            call_sync(call)

    async def _run_call(self, call: Call) -> None:
        try:
            with trio.CancelScope() as scope:
                call.handle = scope
                if call.cancel_requested:
                    scope.cancel()
                coro = call.coro
                if coro is None:
                    awaitable: Any = check_awaitable(call, call.fn(*call.args))  # type: ignore[misc]
                else:
                    call.coro = None
                    awaitable = coro
                value = await awaitable
                call.set_result(value)
                return
            # Only reached when our own scope absorbed the cancellation we asked for.
            call.close_coro()
            call.set_cancelled()
        except trio.Cancelled:
            # The nursery's scope: the LoopThread is closing.
            call.set_exception(self._closed_error())
            raise
        except BaseException as exc:
            call.set_exception(exc)
        finally:
            self.inflight.discard(call)
            del call

    def cancel_call(self, call: Call) -> None:
        """Cancel a call's task (or the call itself if its task has not started yet)."""
        call.cancel_requested = True
        scope = call.handle
        if scope is not None:
            scope.cancel()

    def begin_shutdown(self, timeout: float) -> None:
        """Cancel every call's task and end the run."""
        del timeout
        assert self._stop is not None
        self._stop.set()
