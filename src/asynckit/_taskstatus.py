"""Helpers for starting children: the task-status protocol and explicit contexts."""

from __future__ import annotations

import types
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio
    import contextvars
    from collections.abc import Callable, Generator

T = TypeVar("T")


class AsyncioTaskStatus:
    """The ``task_status`` that :meth:`TaskGroup.start <asynckit.TaskGroup.start>` passes.

    It implements :class:`anyio.abc.TaskStatus` (and so trio's ``TaskStatus``):
    the child calls ``task_status.started(value)`` once it is ready.
    """

    __slots__ = ("_future",)

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self._future = future

    def started(self, value: Any = None) -> None:
        """Report that the child is ready; ``start()`` then returns ``value``.

        Raises:
            RuntimeError: ``started()`` was already called.
        """
        future = self._future
        if future.cancelled():
            # start()'s caller was cancelled meanwhile; the child is being
            # cancelled too and nobody is waiting for the value.
            return
        if future.done():
            raise RuntimeError("called 'task_status.started()' more than once")
        future.set_result(value)


def call_for_coroutine(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
) -> Coroutine[Any, Any, Any]:
    """Call ``fn(*args)`` and check that it returned a coroutine.

    Raises:
        TypeError: ``fn`` is a coroutine object (``coro()`` passed instead of
            ``coro``) or did not return a coroutine.
    """
    try:
        coro: Coroutine[Any, Any, Any] = fn(*args, **kwargs) if kwargs else fn(*args)
    except TypeError:
        passed: object = fn
        if isinstance(passed, Coroutine):
            passed.close()
            raise TypeError(
                f"expected an async function, got the coroutine object {passed!r}: "
                "pass the function and its arguments, as in start_soon(fn, arg), "
                "not start_soon(fn(arg))"
            ) from None
        raise
    if type(coro) is not types.CoroutineType:
        check_returned_coroutine(fn, coro)
    return coro


def check_returned_coroutine(fn: object, returned: object) -> None:
    """Raise a clear error unless ``returned``, what ``fn`` returned, is a coroutine."""
    if not isinstance(returned, Coroutine):
        raise TypeError(
            f"expected {getattr(fn, '__qualname__', fn)!r} to be an async function, "
            f"but calling it returned {returned!r}, which is not a coroutine"
        )


def check_coroutine(coro: object) -> None:
    """Raise a clear error unless ``coro`` is a coroutine object.

    Raises:
        TypeError: ``coro`` is not a coroutine (for example the async function
            itself, not called).
    """
    if type(coro) is not types.CoroutineType and not isinstance(coro, Coroutine):
        hint = " (call it: create_task(fn(...)))" if callable(coro) else ""
        raise TypeError(f"create_task() expected a coroutine, got {coro!r}{hint}")


@types.coroutine
def run_in_context(
    coro: Coroutine[Any, Any, T], context: contextvars.Context
) -> Generator[Any, Any, T]:
    """Drive ``coro`` step by step inside ``context``, on any event loop.

    Every ``send``/``throw`` into the coroutine runs in ``context`` (as
    ``asyncio.Task(context=...)`` does from Python 3.11), so the coroutine's
    context-variable changes are visible in ``context`` afterwards.
    """
    send, throw = coro.send, coro.throw
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = context.run(send, value) if error is None else context.run(throw, error)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            error = None
        try:
            value = yield yielded
        except BaseException as exc:
            value = None
            error = exc
