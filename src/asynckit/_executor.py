"""``run_in_executor``: await a call on any ``concurrent.futures.Executor``.

On asyncio the executor's future is wrapped with ``asyncio.wrap_future``, exactly as
``loop.run_in_executor`` does. On trio (or asyncio through anyio) the waiting task
parks with ``trio.lowlevel.wait_task_rescheduled`` and the future's done-callback,
which runs in whichever thread completed it, wakes it through the run's
``TrioToken``.

Cancellation is mapped onto what the executor can do (see ``_executor_kinds``):
``Future.cancel()`` withdraws work that has not started (dask work is cancelled on
the scheduler without blocking the loop, see ``_executor_dask``); work already
running in a thread is told through
``from_thread.check_cancelled()``; work already running in a process runs to the end.
In the last two cases the caller waits for the outcome, so an exception raised by the
work is never lost.
"""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures.process import BrokenProcessPool
from types import CoroutineType
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

from asynckit._executor_dask import submit_dask, wait_dask_asyncio, wait_dask_trio
from asynckit._executor_kinds import Kind, broken_pool_error, executor_kind, wait_done_shielded
from asynckit._from_thread import current_link
from asynckit._thread_work import (
    FAILED,
    AsyncioLink,
    TrioThreadWork,
    reraise,
    returned_coroutine,
)
from asynckit._to_thread import CapacityLimiterLike, check_sync_callable, running_trio

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import Callable

P = ParamSpec("P")
T = TypeVar("T")


async def _wait_asyncio(
    cf: concurrent.futures.Future[T],
    loop: asyncio.AbstractEventLoop,
    link: AsyncioLink | None = None,
) -> T:
    try:
        return await asyncio.wrap_future(cf, loop=loop)
    except asyncio.CancelledError as cancel:
        await _cancelled(cf, loop, link, cancel)


async def _cancelled(
    cf: concurrent.futures.Future[Any],
    loop: asyncio.AbstractEventLoop,
    link: AsyncioLink | None,
    cancel: asyncio.CancelledError,
) -> NoReturn:
    """Map the caller's cancellation onto the executor's future; always raises."""
    if cf.cancel():
        raise cancel  # withdrawn before it started
    # Running where it cannot be interrupted: tell a thread through its link, and wait
    # for the outcome so that it is not lost, however many times we are cancelled.
    if link is not None:
        link.cancel_requested = True
    await wait_done_shielded(cf, loop)
    exc = cf.exception()
    if exc is None or isinstance(exc, asyncio.CancelledError):
        raise cancel
    try:
        raise exc
    finally:
        del exc


async def _wait_trio(cf: concurrent.futures.Future[T], work: TrioThreadWork[Any] | None) -> T:
    import trio

    task = trio.lowlevel.current_task()
    token = trio.lowlevel.current_trio_token()
    aborted = False

    def deliver() -> None:
        if not aborted:
            trio.lowlevel.reschedule(task)

    def on_done(_: object) -> None:
        try:
            token.run_sync_soon(deliver)
        except trio.RunFinishedError:  # pragma: no cover - trio.run already returned
            pass

    def abort(raise_cancel: Callable[[], Any]) -> trio.lowlevel.Abort:
        nonlocal aborted
        if cf.cancel():
            aborted = True
            return trio.lowlevel.Abort.SUCCEEDED
        if work is not None:
            work.raise_cancel = raise_cancel
        return trio.lowlevel.Abort.FAILED

    cf.add_done_callback(on_done)
    await trio.lowlevel.wait_task_rescheduled(abort)
    return cf.result()


async def run_with_executor(
    executor: concurrent.futures.Executor,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limiter: CapacityLimiterLike | None,
) -> T:
    """Run ``fn(*args, **kwargs)`` on ``executor``, holding a ``limiter`` token if given."""
    kind = executor_kind(executor)
    if limiter is None:
        return await _run(executor, kind, fn, args, kwargs)
    borrower = object()
    await limiter.acquire_on_behalf_of(borrower)
    try:
        return await _run(executor, kind, fn, args, kwargs)
    finally:
        limiter.release_on_behalf_of(borrower)


async def _run(
    executor: concurrent.futures.Executor,
    kind: Kind,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> T:
    try:
        if running_trio():
            return await _run_trio(executor, kind, fn, args, kwargs)
        return await _run_asyncio(executor, kind, fn, args, kwargs)
    except BrokenProcessPool as exc:
        raise broken_pool_error(executor, fn, exc) from exc


async def _run_asyncio(
    executor: concurrent.futures.Executor,
    kind: Kind,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> T:
    loop = asyncio.get_running_loop()
    if kind is Kind.THREAD:
        return await _thread_asyncio(executor, fn, args, kwargs, loop)
    if kind is Kind.DASK:
        return await wait_dask_asyncio(submit_dask(executor, fn, args, kwargs), loop)
    return await _wait_asyncio(executor.submit(fn, *args, **kwargs), loop)


async def _thread_asyncio(
    executor: concurrent.futures.Executor,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    loop: asyncio.AbstractEventLoop,
) -> T:
    """Run ``fn`` in ``executor``'s thread, in a copy of the context that holds its link."""
    link = AsyncioLink(loop)
    context = contextvars.copy_context()
    context.run(current_link.set, link)
    result = await _wait_asyncio(executor.submit(context.run, fn, *args, **kwargs), loop, link)
    if isinstance(result, CoroutineType):
        raise returned_coroutine(fn, result)
    return result


async def _run_trio(
    executor: concurrent.futures.Executor,
    kind: Kind,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> T:
    import trio

    await trio.lowlevel.checkpoint_if_cancelled()
    if kind is Kind.THREAD:
        token = trio.lowlevel.current_trio_token()
        work = TrioThreadWork(fn, args, kwargs, contextvars.copy_context(), token)
        result = await _wait_trio(executor.submit(work), work)
        if result is FAILED:
            reraise(work)
        return result
    if kind is Kind.DASK:
        return await wait_dask_trio(submit_dask(executor, fn, args, kwargs))
    return await _wait_trio(executor.submit(fn, *args, **kwargs), None)


async def run_in_executor(
    executor: concurrent.futures.Executor,
    fn: Callable[P, T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run a blocking function on any `concurrent.futures.Executor` and await its result.

    Unlike `loop.run_in_executor`, keyword arguments are passed through, it runs on
    trio as well as asyncio, and cancellation is mapped onto what the executor can
    do:

    | executor | queued work | running work |
    | --- | --- | --- |
    | `ThreadPoolExecutor` | withdrawn | told through `from_thread.check_cancelled()`; awaited |
    | `ProcessPoolExecutor`, loky | withdrawn | runs to completion; awaited |
    | dask `Client.get_executor()` | cancelled on the scheduler | cancelled on the scheduler |

    Cancelling dask work does not block the event loop: the request goes through
    the client's asynchronous API, and the cancellation completes once the client
    has taken it.

    Awaited work is never lost: a cancelled call returns only once the work has
    finished, and an exception it raised propagates instead of the cancellation
    (on trio the outcome is returned and the cancellation is raised at the next
    checkpoint). Thread executors get a copy of the caller's context variables;
    process and dask executors do not (a `contextvars.Context` cannot be pickled).
    Work sent to a dask executor is submitted with ``pure=False`` unless the executor
    was created with an explicit ``pure=``, so identical calls are never merged.

    Args:
        executor: The executor to run ``fn`` on.
        fn: The blocking function to call.
        *args: Positional arguments for ``fn``.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        What ``fn(*args, **kwargs)`` returned.

    Raises:
        TypeError: If ``executor`` is not a `concurrent.futures.Executor`, or ``fn``
            is an async function or not callable.
        concurrent.futures.process.BrokenProcessPool: If a worker process of the pool
            died (the class of the executor's own error is kept, such as loky's
            ``TerminatedWorkerError``); the message says why the pool cannot be used
            any more and what to do.
        RuntimeError: If the executor has been shut down.
        Exception: Whatever ``fn`` raised.

    .. versionadded:: 0.1.0
    """
    check_sync_callable(fn, "run_in_executor")
    kind = executor_kind(executor)
    if kind is not Kind.THREAD or running_trio():
        return await _run(executor, kind, fn, args, kwargs)
    # The common case inline: a thread pool on asyncio.
    loop = asyncio.get_running_loop()
    link = AsyncioLink(loop)
    context = contextvars.copy_context()
    context.run(current_link.set, link)
    # mypy cannot match ``fn``'s ParamSpec through Context.run's own.
    cf: concurrent.futures.Future[T] = executor.submit(
        context.run,  # type: ignore[arg-type]
        fn,
        *args,
        **kwargs,
    )
    try:
        result = await asyncio.wrap_future(cf, loop=loop)
    except asyncio.CancelledError as cancel:
        await _cancelled(cf, loop, link, cancel)
    if isinstance(result, CoroutineType):
        raise returned_coroutine(fn, result)
    return result
