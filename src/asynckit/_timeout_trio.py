"""The trio implementation of `Timeout`: a trio cancel scope with asyncio's API.

trio's cancel scopes already have the semantics asyncio's timeouts grew into:
cancellation is level-triggered, a deadline in the past cancels at the next
checkpoint, a scope only catches its own cancellation and an enclosing scope
that expired too wins. This class adds asyncio's interface and raises the
built-in `TimeoutError` instead of ``trio.TooSlowError``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import trio

from asynckit._timeout_scope import Timeout, _State

if TYPE_CHECKING:
    import sys
    from types import TracebackType

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self


_CancelScope = trio.CancelScope
_INF = math.inf
_CREATED = _State.CREATED
_ENTERED = _State.ENTERED
_EXITED = _State.EXITED


class TrioTimeout(Timeout):
    """`Timeout` on trio: a ``trio.CancelScope`` with a deadline."""

    __slots__ = ("_scope",)

    def __init__(self, when: float | None, quiet: bool = False) -> None:
        # Timeout.__init__ inlined: this is on the hot path.
        self._when = when
        self._quiet = quiet
        self._state = _CREATED
        self._cancelled_caught = False
        self._scope: trio.CancelScope | None = None

    def expired(self) -> bool:
        self._refresh()
        return super().expired()

    def reschedule(self, when: float | None) -> None:
        self._refresh()
        super().reschedule(when)

    def __repr__(self) -> str:
        self._refresh()
        return super().__repr__()

    def _refresh(self) -> None:
        # trio marks the scope cancelled when its deadline passes; mirror that.
        scope = self._scope
        if self._state is _State.ENTERED and scope is not None and scope.cancel_called:
            self._state = _State.EXPIRING

    def _schedule(self, when: float | None) -> None:
        assert self._scope is not None
        self._scope.deadline = math.inf if when is None else when

    async def __aenter__(self) -> Self:
        if self._state is not _CREATED:
            raise RuntimeError(f"{self!r} has already been entered")
        when = self._when
        scope = _CancelScope(deadline=_INF if when is None else when)
        scope.__enter__()
        self._scope = scope
        self._state = _ENTERED
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        scope = self._scope
        state = self._state
        if scope is None or (state is not _ENTERED and state is not _State.EXPIRING):
            raise RuntimeError(f"{self!r} is not active")
        self._state = _State.EXPIRED if scope.cancel_called else _EXITED
        # May raise: when the block raised a group holding our Cancelled and
        # other errors, trio strips the Cancelled and re-raises the rest.
        scope.__exit__(exc_type, exc_val, exc_tb)
        if not scope.cancelled_caught:
            return False
        self._cancelled_caught = True
        if self._quiet:
            return True
        raise TimeoutError from exc_val
