"""Virtual time for timeout tests: a fast-forwarding asyncio loop and trio's MockClock.

`VirtualTimeLoop` is a selector event loop whose ``time()`` is a virtual clock.
When the loop would block waiting for its next timer and no I/O is ready, it
jumps the clock to that timer instead of sleeping (the idea of CPython's
``TestLoop`` and of the ``looptime`` plugin). Tests then read like real time,
``await asyncio.sleep(3600)`` returns at once, and deadlines are exact.

`VIRTUAL_TIME_BACKENDS` parametrises ``anyio_backend`` with it (plain and with
eager tasks where available) and with trio's ``MockClock(autojump_threshold=0)``.
uvloop keeps its clock in C, so it is not in the list; uvloop runs the
event-ordered tests instead.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from tests._backends import HAS_EAGER, HAS_TRIO

if TYPE_CHECKING:
    import selectors


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop on a virtual clock that skips idle waits."""

    def __init__(self) -> None:
        super().__init__()
        self._virtual_now = 0.0
        selector: selectors.BaseSelector = self._selector  # type: ignore[attr-defined]
        real_select = selector.select

        def select(timeout: float | None = None) -> list[Any]:
            events = real_select(0)
            if events or timeout is None:
                # Ready I/O, or nothing scheduled at all: behave like a real loop
                # (a thread or a socket will wake it up).
                return events if events else real_select(timeout)
            if timeout > 0:
                self._virtual_now += timeout
            return events

        selector.select = select  # type: ignore[method-assign]

    def time(self) -> float:
        """The virtual clock, starting at 0."""
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        """Move the clock forward, as if *seconds* passed (for callbacks to notice)."""
        self._virtual_now += seconds


def _virtual_loop() -> asyncio.AbstractEventLoop:
    loop = VirtualTimeLoop()
    loop.set_debug(True)
    # Debug mode measures callbacks in real time; a slow shared CI machine is not
    # a bug in the code under test.
    loop.slow_callback_duration = 10.0
    return loop


def _virtual_eager_loop() -> asyncio.AbstractEventLoop:
    loop = _virtual_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
    return loop


def _trio_params() -> list[Any]:
    if not HAS_TRIO:
        return [pytest.param(("trio", {}), id="trio+mockclock", marks=pytest.mark.skip("no trio"))]
    from trio.testing import MockClock

    return [pytest.param(("trio", {"clock": MockClock(autojump_threshold=0)}), id="trio+mockclock")]


ASYNCIO_VIRTUAL_TIME_BACKENDS: list[Any] = [
    pytest.param(("asyncio", {"loop_factory": _virtual_loop}), id="asyncio+virtualtime"),
    pytest.param(
        ("asyncio", {"loop_factory": _virtual_eager_loop}),
        id="asyncio+eager+virtualtime",
        marks=pytest.mark.skipif(not HAS_EAGER, reason="eager tasks need Python 3.12+"),
    ),
]

VIRTUAL_TIME_BACKENDS: list[Any] = [*ASYNCIO_VIRTUAL_TIME_BACKENDS, *_trio_params()]

__all__ = ["ASYNCIO_VIRTUAL_TIME_BACKENDS", "VIRTUAL_TIME_BACKENDS", "VirtualTimeLoop"]
