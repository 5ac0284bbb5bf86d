"""``to_process``: run a function in a worker process and await its result.

Built on ``anyio.to_process.run_sync``, which keeps a pool of worker processes per
event loop (bounded by a capacity limiter, idle workers retired after a while, all of
them terminated when the loop shuts down) and, with ``cancellable=True``, kills the
worker running a call whose caller is cancelled. Killing is the only way to stop
arbitrary Python code, and a fresh worker replaces the killed one, so cancelling
the caller really stops the work. A ``concurrent.futures.ProcessPoolExecutor``
cannot do this: its running work cannot be cancelled, and a worker that dies
breaks the whole pool.

The function and its arguments travel as one pickled ``_Call``. Pickling it pickles
them first, one by one if needed, so that a failure names what could not be pickled;
unpickling it in the worker runs them with a link that makes
``from_thread.check_cancelled()`` a no-op.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import anyio
import anyio.to_process

from asynckit._executor_kinds import describe
from asynckit._from_thread import PROCESS_LINK, current_link
from asynckit._to_thread import check_sync_callable

if TYPE_CHECKING:
    from collections.abc import Callable

    from asynckit._to_thread import CapacityLimiterLike

P = ParamSpec("P")
T = TypeVar("T")


def _pickling_error(value: object) -> str | None:
    try:
        pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _unpicklable_part(fn: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts: list[tuple[str, object]] = [("the function", fn)]
    parts.extend((f"positional argument {i}", arg) for i, arg in enumerate(args))
    parts.extend((f"keyword argument {name!r}", value) for name, value in kwargs.items())
    for label, value in parts:
        error = _pickling_error(value)
        if error is not None:
            shown = repr(value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            return f"{label} ({shown}) of the call to {describe(fn)}: {error}"
    return f"the call to {describe(fn)}"  # pragma: no cover - each part pickles alone


class _Call:
    """A call to make in a worker process; see the module docstring."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.fn = fn
        self.args = args
        self.kwargs = kwargs

    def __reduce__(self) -> tuple[Callable[[bytes], _Call], tuple[bytes]]:
        try:
            data = pickle.dumps((self.fn, self.args, self.kwargs), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            part = _unpicklable_part(self.fn, self.args, self.kwargs)
            raise pickle.PicklingError(
                f"to_process() could not pickle {part}. A worker process receives its "
                "function and "
                "arguments by pickling: use a function defined at module level and "
                "picklable arguments (no lambdas, locks, open files or sockets)"
            ) from exc
        return _Call._load, (data,)

    @staticmethod
    def _load(data: bytes) -> _Call:
        fn, args, kwargs = pickle.loads(data)
        return _Call(fn, args, kwargs)

    def __call__(self) -> Any:
        token = current_link.set(PROCESS_LINK)
        try:
            return self.fn(*self.args, **self.kwargs)
        finally:
            current_link.reset(token)


async def run_in_process(
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limiter: CapacityLimiterLike | None,
) -> T:
    """Run ``fn(*args, **kwargs)`` in one of anyio's worker processes."""
    try:
        result: T = await anyio.to_process.run_sync(
            _Call(fn, args, kwargs),
            cancellable=True,
            limiter=limiter,  # type: ignore[arg-type]
        )
    except anyio.BrokenWorkerProcess as exc:
        raise anyio.BrokenWorkerProcess(
            f"the worker process running {describe(fn)} exited before returning a result "
            "(it crashed, was killed, or called os._exit()); later calls start a new "
            "worker process"
        ) from exc
    return result


async def to_process(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a function in a worker process and await its result.

    The function and its arguments are pickled and sent to one of a pool of worker
    processes kept per event loop (as many as CPUs at once by default); its result
    or exception is pickled back. Context variables are not sent: a
    `contextvars.Context` cannot be pickled.

    Cancelling the caller terminates the worker process running the call, so the
    work really stops (whatever it had done by then, such as writing files, stays
    done); the next call starts a fresh worker. A worker that dies on its own
    (a crash, ``os._exit()``, the OOM killer) is reported as
    `anyio.BrokenWorkerProcess` and replaced as well. Inside the worker,
    [`asynckit.from_thread.check_cancelled`][] does nothing, so a function can be
    shared with [`asynckit.to_thread`][]. To bound the number of worker processes
    differently, use [`asynckit.asyncify`][] with ``executor="process"`` and a
    ``limiter=``.

    Args:
        fn: The function to call; it must be picklable (defined at module level).
        *args: Positional arguments for ``fn``; they must be picklable.
        **kwargs: Keyword arguments for ``fn``; they must be picklable.

    Returns:
        What ``fn(*args, **kwargs)`` returned.

    Raises:
        TypeError: If ``fn`` is an async function or not callable.
        pickle.PicklingError: If the function or an argument cannot be pickled; the
            message names which one.
        anyio.BrokenWorkerProcess: If the worker process died before returning.
        Exception: Whatever ``fn`` raised.

    .. versionadded:: 0.1.0
    """
    check_sync_callable(fn, "to_process")
    return await run_in_process(fn, args, kwargs, None)
