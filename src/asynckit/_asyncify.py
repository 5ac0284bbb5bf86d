"""``asyncify``: turn a blocking function into an async one with the same signature."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

from asynckit._executor import run_with_executor
from asynckit._executor_kinds import executor_kind
from asynckit._to_process import run_in_process
from asynckit._to_thread import check_sync_callable, run_in_thread

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import Callable, Coroutine

    from asynckit._to_thread import CapacityLimiterLike

P = ParamSpec("P")
T = TypeVar("T")


@overload
def asyncify(
    fn: Callable[P, T],
    /,
    *,
    executor: concurrent.futures.Executor | Literal["thread", "process"] | None = None,
    limiter: CapacityLimiterLike | None = None,
) -> Callable[P, Coroutine[Any, Any, T]]: ...


@overload
def asyncify(
    *,
    executor: concurrent.futures.Executor | Literal["thread", "process"] | None = None,
    limiter: CapacityLimiterLike | None = None,
) -> Callable[[Callable[P, T]], Callable[P, Coroutine[Any, Any, T]]]: ...


def asyncify(
    fn: Callable[P, T] | None = None,
    /,
    *,
    executor: concurrent.futures.Executor | Literal["thread", "process"] | None = None,
    limiter: CapacityLimiterLike | None = None,
) -> (
    Callable[P, Coroutine[Any, Any, T]]
    | Callable[[Callable[P, T]], Callable[P, Coroutine[Any, Any, T]]]
):
    """Turn a blocking function into an async function with the same signature.

    Use it as ``@asyncify`` or ``@asyncify(executor=..., limiter=...)``, or call it
    on an existing function: ``await asyncify(requests.get, limiter=lim)(url)``.
    Type checkers see the original parameters, so calls are checked as if the
    function were called directly, keyword arguments included: the options
    live on the wrapper, not on each call (a ``ParamSpec``-typed
    ``fn, *args, **kwargs`` signature cannot take keyword options of its own,
    PEP 612; `to_thread` keeps ``limiter=`` through a second signature).

    Args:
        fn: The blocking function to wrap. Omit it to get a decorator.
        executor: Where calls run: ``None`` or ``"thread"`` for
            [`asynckit.to_thread`][], ``"process"`` for [`asynckit.to_process`][], or
            any `concurrent.futures.Executor` for [`asynckit.run_in_executor`][].
        limiter: A capacity limiter (`anyio.CapacityLimiter`, `trio.CapacityLimiter`)
            bounding how many calls run at once. A call holds its token until its
            worker has really finished, even if its caller was cancelled.

    Returns:
        The async function, or a decorator that makes one.

    Raises:
        TypeError: If ``fn`` is an async function or not callable, or ``executor``
            is not an executor, ``"thread"``, ``"process"`` or ``None``.

    .. versionadded:: 0.1.0
    """
    runner: Callable[..., Any]
    if executor is None or executor == "thread":

        def runner(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return run_in_thread(fn, args, kwargs, limiter)

    elif executor == "process":

        def runner(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return run_in_process(fn, args, kwargs, limiter)

    elif isinstance(executor, str):
        raise ValueError(
            f"asyncify() executor must be an Executor, 'thread', 'process' or None, "
            f"got {executor!r}"
        )
    else:
        executor_kind(executor)
        pool = executor

        def runner(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return run_with_executor(pool, fn, args, kwargs, limiter)

    def decorate(fn: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
        check_sync_callable(fn, "asyncify")

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            result: T = await runner(fn, args, kwargs)
            return result

        return wrapper

    if fn is None:
        return decorate
    return decorate(fn)
