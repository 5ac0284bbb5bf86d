"""`shielded()`: a block that outside cancellation waits for, on asyncio and trio.

On trio (and for anyio cancel scopes on asyncio) the block is an anyio cancel
scope with ``shield=True``. asyncio has no such thing for native cancellation:
``Task.cancel()`` interrupts whatever the task awaits. What asynckit controls is
its own timeouts, so an asynckit timeout whose deadline passes while the task is
inside a shielded block entered *after* the timeout waits until the block exits
and fires then. The registry below is how the timeouts find the shields.
"""

from __future__ import annotations

import enum
import itertools
import weakref
from typing import TYPE_CHECKING, Protocol

import anyio
import sniffio

if TYPE_CHECKING:
    import sys
    from types import TracebackType

    if sys.version_info >= (3, 11):
        from typing import Self
    else:
        from typing_extensions import Self

#: Orders the scopes one task enters: a shield protects against the timeouts that
#: were entered before it (lower numbers), not the ones entered inside it.
next_sequence = itertools.count().__next__


class _Deferrable(Protocol):
    def _refire(self) -> None: ...


class _State(enum.Enum):
    CREATED = "created"
    ENTERED = "active"
    EXITED = "finished"


#: The shields each asyncio task is inside, outermost first. Weak keys: a task
#: that is dropped without leaving its block does not stay here.
active_shields: weakref.WeakKeyDictionary[object, list[CancelShield]] = weakref.WeakKeyDictionary()


def defer_to_shield(task: object, sequence: int, scope: _Deferrable) -> bool:
    """Park a firing timeout on the first shield entered after it, if any.

    Args:
        task: The task the timeout belongs to.
        sequence: The timeout's `next_sequence` number.
        scope: The timeout; its ``_refire()`` runs when the shield exits.

    Returns:
        Whether the timeout was parked (and must not cancel the task now).
    """
    for shield in active_shields.get(task, ()):
        if shield._sequence > sequence:
            shield._deferred.append(scope)
            return True
    return False


class CancelShield:
    """A block that cancellation from outside waits for; made by `shielded`.

    A sync context manager: ``with asynckit.shielded(): ...``. Its ``repr`` shows
    its state (``created``, ``active``, ``finished``); it can be entered once.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_deferred", "_scope", "_sequence", "_state", "_task")

    def __init__(self) -> None:
        self._state = _State.CREATED
        self._scope: anyio.CancelScope | None = None
        self._task: object = None
        self._sequence = 0
        self._deferred: list[_Deferrable] = []

    def __repr__(self) -> str:
        return f"<CancelShield [{self._state.value}]>"

    def __enter__(self) -> Self:
        if self._state is not _State.CREATED:
            raise RuntimeError(f"{self!r} has already been entered; make a new one")
        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            raise RuntimeError(
                "shielded() must be entered from async code running on asyncio or trio"
            ) from None
        scope = anyio.CancelScope(shield=True)
        scope.__enter__()
        self._scope = scope
        self._state = _State.ENTERED
        if library == "asyncio":
            import asyncio

            task = asyncio.current_task()
            self._task = task
            self._sequence = next_sequence()
            active_shields.setdefault(task, []).append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool:
        if self._state is not _State.ENTERED:
            raise RuntimeError(f"{self!r} is not active")
        self._state = _State.EXITED
        task = self._task
        if task is not None:
            stack = active_shields[task]
            stack.remove(self)
            if not stack:
                del active_shields[task]
            deferred, self._deferred = self._deferred, []
            for scope in deferred:
                scope._refire()
        assert self._scope is not None
        return bool(self._scope.__exit__(exc_type, exc_val, exc_tb))


def shielded() -> CancelShield:
    """Protect a block from outside cancellation until it finishes.

    Use it for cleanup that must complete (closing a connection, committing or
    rolling back) even when the surrounding code is being cancelled:

    ```python
    async with asynckit.timeout(5):
        try:
            await work()
        finally:
            with asynckit.shielded():
                await connection.aclose()
    ```

    What it protects against:

    * on trio, every cancellation (it is a cancel scope with ``shield=True``);
    * on asyncio, asynckit's timeouts (`timeout`, `move_on_after`, `wait_for`
      and their ``_at`` forms) entered outside the block, whose deadline then
      takes effect when the block exits, and anyio cancel scopes.

    A bare ``Task.cancel()`` cannot be refused on asyncio: it interrupts the
    current ``await`` whatever the task is doing. To protect a single awaitable
    against that, use `shield`. A timeout entered *inside* the block still
    applies to the code inside it.

    Returns:
        A fresh `CancelShield`, to be entered once with ``with``.

    Raises:
        RuntimeError: (on entering) outside async code running on asyncio or
            trio, or if the shield was entered before.

    .. versionadded:: 0.1.0
    """
    return CancelShield()
