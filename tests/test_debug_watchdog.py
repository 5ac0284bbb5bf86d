"""enable(): asyncio debug mode plus a watchdog that samples the blocked loop's stack."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import TYPE_CHECKING

import pytest

from asynckit.debug import Stall, Watchdog, enable
from tests._backends import ASYNCIO_BACKENDS

if TYPE_CHECKING:
    from collections.abc import Callable

asyncio_only = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)

THRESHOLD = 0.02


def block_until(event: threading.Event) -> int:
    """Block the calling thread until ``event`` is set; return the blocking line."""
    line = sys._getframe().f_lineno + 1
    event.wait(timeout=60)
    return line


@asyncio_only
async def test_reports_the_blocking_line_once_per_stall() -> None:
    reported = threading.Event()
    seen: list[Stall] = []

    def on_stall(stall: Stall) -> None:
        seen.append(stall)
        reported.set()

    watchdog = enable(block_threshold=THRESHOLD, on_stall=on_stall)
    try:
        assert asyncio.get_running_loop().get_debug()
        line = block_until(reported)  # the loop is blocked until the watchdog reports
        while watchdog.stalls[0].ended_after is None:  # the watchdog sees the loop is back
            await asyncio.sleep(THRESHOLD)
    finally:
        watchdog.stop()
    assert len(seen) == 1
    stall = seen[0]
    assert stall.blocked_for >= THRESHOLD
    # The innermost frames are threading.Event.wait's; then the line that called it.
    functions = [frame.function for frame in stall.stack]
    mine = stall.stack[functions.index("block_until")]
    assert mine.lineno == line
    assert "test_reports_the_blocking_line_once_per_stall" in functions
    assert stall.thread == threading.current_thread().name
    assert watchdog.stalls[0].ended_after is not None
    assert "blocked at" in stall.format()
    assert stall.to_dict()["stack"][0]["function"] == "wait"


@asyncio_only
async def test_default_report_is_a_log_warning(caplog: pytest.LogCaptureFixture) -> None:
    def logged() -> bool:
        return any("event loop blocked" in r.getMessage() for r in caplog.records)

    with (
        caplog.at_level(logging.WARNING, logger="asynckit.debug"),
        enable(block_threshold=THRESHOLD, slow_callback_duration=60) as watchdog,
    ):
        assert asyncio.get_running_loop().slow_callback_duration == 60
        while not logged():
            threading.Event().wait(THRESHOLD)  # blocks the loop
        await asyncio.sleep(0)
    assert watchdog.stalls


@asyncio_only
async def test_failing_callback_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    called = threading.Event()

    def on_stall(stall: Stall) -> None:
        called.set()
        raise RuntimeError("callback bug")

    with (
        caplog.at_level(logging.ERROR, logger="asynckit.debug"),
        enable(block_threshold=THRESHOLD, on_stall=on_stall),
    ):
        block_until(called)
        await asyncio.sleep(0)
    assert "on_stall callback failed" in caplog.text


def test_bad_use() -> None:
    with pytest.raises(RuntimeError, match="needs a running event loop"):
        enable()
    with pytest.raises(ValueError, match="block_threshold must be a positive number"):
        enable(block_threshold=0)


def test_loop_not_running_yet_and_stops_when_closed(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = asyncio_loop_factory()
    loop.set_debug(False)
    reported = threading.Event()
    watchdog = enable(loop, block_threshold=THRESHOLD, on_stall=lambda s: reported.set())
    with pytest.raises(RuntimeError, match="already started"):
        watchdog.start()
    assert loop.get_debug()
    loop.set_debug(False)
    enable(loop, debug=False).stop()
    assert not loop.get_debug()

    async def main() -> None:
        await asyncio.sleep(0)
        block_until(reported)

    loop.run_until_complete(main())
    loop.close()
    assert watchdog._thread is not None
    watchdog._thread.join(timeout=60)
    assert not watchdog._thread.is_alive()
    assert len(watchdog.stalls) == 1
    watchdog.stop()
    watchdog.stop()


def test_unstarted_watchdog_stops() -> None:
    loop = asyncio.new_event_loop()
    try:
        Watchdog(loop, threshold=1).stop()
    finally:
        loop.close()


class FakeLoop:
    """Just enough of a loop to drive the watchdog's thread function by hand."""

    def __init__(self, *, closed_after: int, refuse: bool = False) -> None:
        self.checks = 0
        self.closed_after = closed_after
        self.refuse = refuse
        self.posted = 0

    def is_closed(self) -> bool:
        self.checks += 1
        return self.checks > self.closed_after

    def is_running(self) -> bool:
        return True

    def call_soon_threadsafe(self, callback: object) -> None:
        if self.refuse:
            raise RuntimeError("Event loop is closed")
        self.posted += 1


def test_watchdog_gives_up_when_the_loop_closes_meanwhile() -> None:
    loop = FakeLoop(closed_after=10, refuse=True)
    watchdog = Watchdog(loop, threshold=0.001)  # type: ignore[arg-type]
    watchdog._watch()
    assert loop.checks == 1


def test_watchdog_without_the_loop_thread_reports_nothing() -> None:
    loop = FakeLoop(closed_after=5)  # the beat never runs; the thread is unknown
    watchdog = Watchdog(loop, threshold=0.001)  # type: ignore[arg-type]
    watchdog._watch()
    assert watchdog.stalls == []
    assert loop.posted >= 2


@asyncio_only
async def test_healthy_loop_is_not_reported() -> None:
    with enable(block_threshold=THRESHOLD, debug=False) as watchdog:
        while watchdog._beats < 3:  # the loop answers probe after probe
            await asyncio.sleep(THRESHOLD)
    assert watchdog.stalls == []
