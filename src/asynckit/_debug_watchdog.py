"""``enable``: asyncio's debug mode plus a watchdog that shows where the loop is blocked.

asyncio's debug mode logs a slow callback only after it has finished, and names
the callback, not the line that blocked. The watchdog is a helper thread that
posts a no-op callback to the loop with ``call_soon_threadsafe`` every
``threshold`` seconds; when the loop has not run it within ``threshold``, the loop
is blocked, and the watchdog samples the loop thread's stack with
``sys._current_frames()`` *while it is blocked*: the innermost frame is the line
that blocks. One report per stall; the next probe goes out once the loop is back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import threading
import time
from typing import TYPE_CHECKING

from asynckit._debug_report import SourceLocation, Stall, trim_stack

if sys.version_info >= (3, 11):
    from typing import Self
else:
    from typing_extensions import Self

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType, TracebackType

logger = logging.getLogger("asynckit.debug")
_MAX_FRAMES = 12


def _stack_of(frame: FrameType | None) -> tuple[SourceLocation, ...]:
    frames: list[SourceLocation] = []
    while frame is not None and len(frames) < _MAX_FRAMES * 4:
        code = frame.f_code
        frames.append(SourceLocation(code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return trim_stack(frames)[:_MAX_FRAMES]


def _log_stall(stall: Stall) -> None:
    logger.warning("%s", stall.format())


class Watchdog:
    """A helper thread that reports when an event loop stays blocked too long.

    Made and started by :func:`asynckit.debug.enable`; stop it with :meth:`stop`
    or by using it as a context manager. It stops by itself when the loop closes.
    It posts one no-op callback to the loop per ``threshold`` and reports the
    loop as blocked when that callback has not run a ``threshold`` later.

    Args:
        loop: The event loop to watch.
        threshold: Seconds the loop may stay blocked before a stall is reported.
        on_stall: Called from the watchdog thread with each :class:`Stall`; by
            default stalls are logged as warnings on the ``asynckit.debug`` logger.
        loop_thread: The ``threading.get_ident()`` of the loop's thread, if known;
            otherwise the watchdog learns it when the loop runs.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        threshold: float,
        on_stall: Callable[[Stall], object] | None = None,
        loop_thread: int | None = None,
    ) -> None:
        self.loop = loop
        """The event loop watched."""
        self.threshold = threshold
        """Seconds the loop may stay blocked before a stall is reported."""
        self.stalls: list[Stall] = []
        """Every stall seen so far, in order; ``ended_after`` is set once it ends."""
        self._on_stall = on_stall or _log_stall
        self._loop_thread = loop_thread
        self._beats = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the helper thread.

        Raises:
            RuntimeError: If it was already started.
        """
        if self._thread is not None:
            raise RuntimeError("this watchdog was already started")
        if self._loop_thread is None:
            # Learn the loop's thread as soon as it runs (uvloop does not expose it).
            self.loop.call_soon_threadsafe(self._note_thread)
        self._thread = threading.Thread(target=self._watch, name="asynckit-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the helper thread and wait for it; safe to call more than once."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _note_thread(self) -> None:
        self._loop_thread = threading.get_ident()

    def _on_beat(self) -> None:
        # Runs in the loop: only counts, so that a healthy loop never wakes the
        # watchdog thread (each wake-up is a GIL hand-off).
        self._beats += 1

    def _loop_thread_id(self) -> int | None:
        ident = getattr(self.loop, "_thread_id", None)
        return ident if isinstance(ident, int) and ident else self._loop_thread

    def _watch(self) -> None:
        loop, threshold = self.loop, self.threshold
        seen = self._beats
        sent: float | None = None  # when the beat not yet run was posted
        while not loop.is_closed():
            if self._beats != seen:  # the last beat ran: the loop is alive
                seen, sent = self._beats, None
            elif sent is not None and loop.is_running() and time.monotonic() - sent >= threshold:
                self._stalled(sent, seen)
                seen, sent = self._beats, None
            if sent is None and loop.is_running():
                sent = time.monotonic()
                try:
                    loop.call_soon_threadsafe(self._on_beat)
                except RuntimeError:  # closed meanwhile
                    return
            if self._stopping.wait(threshold):
                return

    def _stalled(self, sent: float, seen: int) -> None:
        ident = self._loop_thread_id()
        if ident is None:
            return
        frame = sys._current_frames().get(ident)
        names = {t.ident: t.name for t in threading.enumerate()}
        stall = Stall(
            blocked_for=time.monotonic() - sent,
            stack=_stack_of(frame),
            thread=names.get(ident, ""),
        )
        del frame
        index = len(self.stalls)
        self.stalls.append(stall)
        try:
            self._on_stall(stall)
        except Exception:
            logger.exception("asynckit watchdog: on_stall callback failed")
        while self._beats == seen:
            if self._stopping.wait(self.threshold) or not self.loop.is_running():
                return
        self.stalls[index] = dataclasses.replace(stall, ended_after=time.monotonic() - sent)


def enable(
    loop: asyncio.AbstractEventLoop | None = None,
    *,
    block_threshold: float = 0.1,
    slow_callback_duration: float | None = None,
    on_stall: Callable[[Stall], object] | None = None,
    debug: bool = True,
) -> Watchdog:
    """Turn on asyncio's debug mode and a watchdog for blocking calls.

    Debug mode makes asyncio check thread-safety, log slow callbacks and track
    where coroutines and tasks were created. The watchdog reports, once per
    stall, the stack of the loop's thread while the loop is blocked for longer
    than ``block_threshold`` seconds: the first frame is the line that blocks.
    By default stalls are logged as warnings on the ``asynckit.debug`` logger.

    asyncio only (on trio, use ``trio.lowlevel`` instruments).

    Args:
        loop: The loop to watch; by default, the running loop. A loop that is
            not running yet is watched from when it runs.
        block_threshold: Seconds the loop may stay blocked before a report.
        slow_callback_duration: If given, sets the loop's
            ``slow_callback_duration`` (asyncio's own slow-callback log).
        on_stall: Called from the watchdog thread with each :class:`Stall`,
            instead of logging it.
        debug: Whether to turn on asyncio's debug mode too. Debug mode slows
            asyncio down several times; the watchdog alone costs next to
            nothing, so ``debug=False`` suits production.

    Returns:
        The started :class:`Watchdog`; stop it with ``stop()`` or a ``with`` block.

    Raises:
        RuntimeError: If ``loop`` is not given and no event loop is running.
        ValueError: If ``block_threshold`` is not positive.

    .. versionadded:: 0.1.0
    """
    if not block_threshold > 0:
        raise ValueError(f"block_threshold must be a positive number, got {block_threshold!r}")
    loop_thread: int | None = None
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "asynckit.debug.enable() needs a running event loop: call it from a "
                "coroutine, or pass loop="
            ) from None
        loop_thread = threading.get_ident()
    if debug:
        loop.set_debug(True)
    if slow_callback_duration is not None:
        loop.slow_callback_duration = slow_callback_duration
    watchdog = Watchdog(loop, threshold=block_threshold, on_stall=on_stall, loop_thread=loop_thread)
    watchdog.start()
    return watchdog
