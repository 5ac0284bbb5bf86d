"""The ``debug`` section of ``asynckit demo``."""

from __future__ import annotations

import threading

import anyio.lowlevel
import sniffio

from asynckit.debug import Stall, UnawaitedCoroutineError, detect_unawaited, enable


async def _send_email(to: str) -> None:
    await anyio.lowlevel.checkpoint()  # pragma: no cover - never awaited, on purpose


def _notify_all() -> None:
    pending = _send_email("ops@example.com")  # a sync function cannot await this
    del pending


def _block(until: threading.Event) -> None:
    until.wait(timeout=10)  # a blocking call on the event loop


async def debug_section() -> list[str]:
    """Catch a forgotten await at its creation line; on asyncio, catch a blocked loop."""
    lines = ["a coroutine created and never awaited:"]
    try:
        with detect_unawaited(stack_depth=1):
            _notify_all()
    except UnawaitedCoroutineError as exc:
        lines += [f"  {line}" for line in exc.findings[0].format().splitlines()]
    if sniffio.current_async_library() != "asyncio":
        lines.append("the blocking watchdog (asynckit.debug.enable) is asyncio-only")
        return lines
    reported = threading.Event()
    stalls: list[Stall] = []

    def on_stall(stall: Stall) -> None:
        stalls.append(stall)
        reported.set()

    with enable(block_threshold=0.05, on_stall=on_stall, debug=False):
        _block(reported)  # the loop is blocked until the watchdog has seen where
    here = next(frame for frame in stalls[0].stack if frame.function == "_block")
    lines.append(f"the event loop blocked for over 0.05 s, at {here}:")
    lines.append(f"      {here.line}")
    return lines
