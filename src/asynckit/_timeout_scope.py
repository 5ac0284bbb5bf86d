"""The `Timeout` scope: the state machine shared by every backend's implementation.

`asynckit.timeout` and friends return a subclass of `Timeout` for the running
backend (`asynckit._timeout_asyncio`, `asynckit._timeout_trio`). This module holds
what they share: the states, the argument checks, the inspection API and the
`repr`.
"""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sys
    from types import TracebackType

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self


class _State(enum.Enum):
    # The values are the words asyncio.Timeout prints in its repr and errors.
    CREATED = "created"
    ENTERED = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    EXITED = "finished"


def check_delay(delay: object, argument: str) -> float | None:
    """Validate a relative delay or absolute deadline and return it as a float.

    Args:
        delay: The value to check: a real number or ``None``.
        argument: How to name it in errors, e.g. ``"timeout(): delay"``.

    Raises:
        TypeError: If *delay* is not a real number or ``None``.
        ValueError: If *delay* is NaN.
    """
    if delay is None:
        return None
    if isinstance(delay, (bool, str, bytes, complex)):
        raise TypeError(f"{argument} must be a real number of seconds or None, got {delay!r}")
    try:
        value = float(delay)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(
            f"{argument} must be a real number of seconds or None, got {delay!r}"
        ) from None
    if math.isnan(value):
        raise ValueError(f"{argument} must not be NaN")
    return value


class Timeout:
    """A scope that cancels its block when a deadline passes.

    Returned by `asynckit.timeout`, `asynckit.timeout_at`, `asynckit.move_on_after`
    and `asynckit.move_on_at`, which are its only constructors. It mirrors
    `asyncio.Timeout` (3.11+) on every supported Python and backend:

    * ``when()`` / ``reschedule()`` / ``expired()`` as in asyncio;
    * ``deadline`` (a float, ``math.inf`` for "never") and ``cancelled_caught``
      as in trio and anyio.

    Its life is ``created -> active -> [expiring -> expired | finished]``; the
    ``repr`` shows the state, and misuse (entering twice, rescheduling a scope that
    is not active) raises `RuntimeError` naming the scope and its state.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_cancelled_caught", "_quiet", "_state", "_when")

    _when: float | None
    _quiet: bool
    _state: _State
    _cancelled_caught: bool

    def __init__(self, when: float | None, *, quiet: bool = False) -> None:
        # The backends' subclasses set the fields themselves (on the hot path).
        raise TypeError(
            "asynckit.Timeout has no public constructor: use asynckit.timeout(), "
            "timeout_at(), move_on_after() or move_on_at()"
        )

    # ------------------------------------------------------------ inspection

    def when(self) -> float | None:
        """Return the current deadline in the backend's clock, or ``None`` for none.

        Returns:
            The deadline as ``loop.time()`` (asyncio) or ``trio.current_time()``
            (trio) would report it, or ``None`` when the scope has no deadline.
        """
        return self._when

    def expired(self) -> bool:
        """Return whether the deadline passed while the block ran.

        Returns:
            ``True`` once the scope started cancelling its block, even if the block
            then exited for another reason (an error, an outside cancellation).
        """
        return self._state is _State.EXPIRING or self._state is _State.EXPIRED

    @property
    def cancelled_caught(self) -> bool:
        """Whether this scope caught its own cancellation.

        ``True`` when the block was interrupted by this scope's deadline and the
        scope turned that into `TimeoutError` (`timeout`) or swallowed it
        (`move_on_after`). ``False`` when the block finished, failed on its own or
        was cancelled from outside.
        """
        return self._cancelled_caught

    @property
    def deadline(self) -> float:
        """The deadline as a float, ``math.inf`` when there is none.

        Setting it is the same as calling `reschedule` (``math.inf`` means none).
        """
        when = self._when
        return math.inf if when is None else when

    @deadline.setter
    def deadline(self, value: float) -> None:
        checked = check_delay(value, "Timeout.deadline")
        self.reschedule(None if checked == math.inf else checked)

    def reschedule(self, when: float | None) -> None:
        """Move the deadline to the absolute time *when* (``None``: no deadline).

        A deadline in the past cancels the block at its next checkpoint.

        Args:
            when: The new deadline in the backend's clock, or ``None``.

        Raises:
            RuntimeError: If the scope is not active (not entered yet, already
                expiring, expired or finished).
            TypeError: If *when* is not a real number or ``None``.
            ValueError: If *when* is NaN.
        """
        if self._state is not _State.ENTERED:
            if self._state is _State.CREATED:
                raise RuntimeError(f"{self!r} has not been entered")
            raise RuntimeError(f"Cannot change state of {self._state.value} Timeout {self!r}")
        self._when = when = check_delay(when, "Timeout.reschedule(): when")
        self._schedule(when)

    def _schedule(self, when: float | None) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        extra = " move_on" if self._quiet else ""
        if self._state is _State.ENTERED:
            when = self._when
            shown = round(when, 3) if when is not None else None
            return f"<Timeout [active] when={shown}{extra}>"
        return f"<Timeout [{self._state.value}]{extra}>"

    async def __aenter__(self) -> Self:
        raise NotImplementedError

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        raise NotImplementedError
