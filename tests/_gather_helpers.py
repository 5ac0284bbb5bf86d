"""Instrumented coroutines for the gather, wait, as_completed and amap tests.

A :class:`Tracker` counts how many of its coroutines started, run, finished or were
cancelled, and lets a test wait for a count by events (never by sleeping).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

import anyio
import anyio.lowlevel

if TYPE_CHECKING:
    from collections.abc import Awaitable

_T = TypeVar("_T")


class Gate(Protocol):
    """An event to wait for: ``anyio.Event`` or ``asyncio.Event``."""

    def wait(self) -> Awaitable[object]: ...


class Tracker:
    """Counts the coroutines it makes; ``peak`` is the most running at once."""

    def __init__(self) -> None:
        self.started = 0
        self.running = 0
        self.peak = 0
        self.finished = 0
        self.cancelled = 0
        self._changed = anyio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    def _enter(self) -> None:
        self.started += 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        self._notify()

    def _leave(self, *, cancelled: bool = False) -> None:
        self.running -= 1
        if cancelled:
            self.cancelled += 1
        else:
            self.finished += 1
        self._notify()

    async def wait_running(self, count: int) -> None:
        while self.running < count:
            await self._changed.wait()

    async def wait_finished(self, count: int) -> None:
        while self.finished < count:
            await self._changed.wait()

    async def _body(self, gate: Gate | None, exc: BaseException | None, value: _T) -> _T:
        self._enter()
        try:
            if gate is None:
                await anyio.lowlevel.checkpoint()
            else:
                await gate.wait()
        except anyio.get_cancelled_exc_class():
            self._leave(cancelled=True)
            raise
        self._leave()
        if exc is not None:
            raise exc
        return value

    async def value(self, value: _T) -> _T:
        """Checkpoint once, then return *value*."""
        return await self._body(None, None, value)

    async def wait_then(self, gate: Gate, value: _T) -> _T:
        """Wait for *gate*, then return *value*."""
        return await self._body(gate, None, value)

    async def fail(self, exc: BaseException) -> None:
        """Checkpoint once, then raise *exc*."""
        await self._body(None, exc, None)

    async def fail_on_cancel(self, exc: BaseException) -> None:
        """Wait until cancelled, then raise *exc* instead of the cancellation."""
        self._enter()
        try:
            await anyio.sleep_forever()
        finally:
            self._leave(cancelled=True)
            raise exc
