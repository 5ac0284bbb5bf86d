"""Work on a dask.distributed ``Client.get_executor()``, cancelled without blocking the loop.

``ClientExecutor`` returns a ``concurrent.futures.Future`` whose ``cancel()`` calls the
dask future's blocking ``cancel()``: it waits for the client's event loop thread to
run the cancellation, and would block the caller's event loop meanwhile. So asynckit
keeps the dask future of each call and, when its caller is cancelled, runs
``client.cancel([future], asynchronous=True)`` on the client's own loop, waiting for
it without blocking. Once that has run the dask future is cancelled, so cancelling
the ``concurrent.futures.Future`` afterwards returns at once.

The caller's cancellation completes only after the cancellation request has been
handed to the client (the same guarantee as dask's blocking ``cancel()``); if the
work finished first, its exception propagates instead (on trio its outcome is
returned and the cancellation is raised at the next checkpoint).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from asynckit._executor_kinds import wait_done_shielded

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


class DaskCall(Generic[T]):
    """One call submitted to a dask ``ClientExecutor``."""

    __slots__ = ("client", "future", "outcome")

    def __init__(self, client: Any, future: Any, outcome: concurrent.futures.Future[T]) -> None:
        self.client = client
        self.future = future  # the dask future
        self.outcome = outcome  # the executor's concurrent future, settled from it

    def request_cancel(self) -> concurrent.futures.Future[None]:
        """Ask the client's loop thread to cancel the dask future, without waiting.

        Returns a future that is done once the client has taken the request (its
        future is then cancelled and the message to the scheduler on its way), or
        with the error that stopped it: a closed client cannot cancel anything.
        """
        coro = self.client.cancel([self.future], asynchronous=True)
        try:
            request: concurrent.futures.Future[None] = asyncio.run_coroutine_threadsafe(
                coro, self.client.loop.asyncio_loop
            )
        except RuntimeError as exc:  # the client's loop is closed: the client is gone
            coro.close()
            request = concurrent.futures.Future()
            request.set_exception(exc)
        return request

    def settle_cancelled(self, request: concurrent.futures.Future[None]) -> BaseException | None:
        """After ``request`` is done: the exception to raise instead of the cancellation.

        Returns the work's exception if it finished with one before the cancellation
        took effect; otherwise ``None`` (raise the cancellation, chained to the error of
        a cancellation request that failed, in ``request``).
        """
        if request.exception() is None:
            # The dask future is cancelled now, so this does not call its blocking
            # cancel(); it returns False if dask settled the outcome first.
            self.outcome.cancel()
        if self.outcome.done() and not self.outcome.cancelled():
            return self.outcome.exception()
        return None


def submit_dask(
    executor: Any, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> DaskCall[T]:
    """Submit to a dask ``ClientExecutor`` without dask's deduplication of pure calls.

    ``Client.submit`` assumes ``pure=True``: two calls with equal arguments get one key
    and run once, which is wrong for work with side effects (and cancelling one would
    cancel both). Unless the executor was created with an explicit ``pure=``, submit
    with ``pure=False``. Keyword arguments travel inside a ``functools.partial`` so
    that names such as ``key``, ``priority`` or ``workers`` reach the function instead
    of being taken as options of ``Client.submit``.

    This does what ``ClientExecutor.submit`` does, keeping the dask future as well.
    """
    client = executor._client
    if getattr(client, "asynchronous", False):
        # ClientExecutor calls the client's blocking API (its futures' cancel callback,
        # shutdown()), which an asynchronous client turns into coroutines nobody awaits.
        raise TypeError(
            "run_in_executor() needs the executor of a synchronous dask Client (the "
            "default); with Client(asynchronous=True), await client.submit(fn, ...) directly"
        )
    if executor._shutdown:
        raise RuntimeError("cannot schedule new futures after shutdown")
    options: dict[str, Any] = dict(executor._kwargs)
    options.setdefault("pure", False)
    target = functools.partial(fn, **kwargs) if kwargs else fn
    future = client.submit(target, *args, **options)
    executor._futures.add(future)  # what executor.shutdown(wait=True) waits for
    outcome: concurrent.futures.Future[T] = executor._wrap_future(future)
    return DaskCall(client, future, outcome)


async def wait_dask_asyncio(call: DaskCall[T], loop: asyncio.AbstractEventLoop) -> T:
    """Await ``call``'s outcome on asyncio; cancelling cancels it on the scheduler."""
    # Not asyncio.wrap_future(): cancelling its future cancels the concurrent one at
    # once, which calls dask's blocking cancel() in the event loop.
    waiter: asyncio.Future[None] = loop.create_future()
    call.outcome.add_done_callback(functools.partial(_wake, loop, waiter))
    try:
        await waiter
    except asyncio.CancelledError as cancel:
        await _cancelled_asyncio(call, loop, cancel)
    return call.outcome.result()


def _wake(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None], _: object) -> None:
    try:
        loop.call_soon_threadsafe(_set_result, waiter)
    except RuntimeError:  # pragma: no cover - the loop closed meanwhile
        pass


def _set_result(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # cancelled meanwhile
        waiter.set_result(None)


async def _cancelled_asyncio(
    call: DaskCall[Any], loop: asyncio.AbstractEventLoop, cancel: asyncio.CancelledError
) -> NoReturn:
    if call.outcome.done():
        # The work finished, and then the caller was cancelled before it resumed.
        request: concurrent.futures.Future[None] | None = None
    else:
        request = call.request_cancel()
        # The caller's cancellation completes once the request has reached the client.
        await wait_done_shielded(request, loop)
    error = call.settle_cancelled(request) if request is not None else _error_of(call.outcome)
    if error is not None:
        try:
            raise error
        finally:
            del error
    failure = request.exception() if request is not None else None
    if failure is not None:
        raise cancel from failure  # the client refused: say why nothing was cancelled
    raise cancel


def _error_of(outcome: concurrent.futures.Future[Any]) -> BaseException | None:
    return None if outcome.cancelled() else outcome.exception()


async def wait_dask_trio(call: DaskCall[T]) -> T:
    """Await ``call``'s outcome on trio; cancelling cancels it on the scheduler."""
    import trio

    task = trio.lowlevel.current_task()
    token = trio.lowlevel.current_trio_token()
    outcome = call.outcome
    # Set by the first abort that finds the work unfinished.
    cancelling: tuple[concurrent.futures.Future[None], Callable[[], NoReturn]] | None = None

    def wake_from_outcome() -> None:
        if cancelling is None:  # after a cancellation, the request's completion wakes
            trio.lowlevel.reschedule(task)

    def wake_from_request() -> None:
        trio.lowlevel.reschedule(task)

    def soon(callback: Callable[[], None], _: object) -> None:
        try:
            token.run_sync_soon(callback)
        except trio.RunFinishedError:  # pragma: no cover - trio.run already returned
            pass

    def abort(raise_cancel: Callable[[], NoReturn]) -> trio.lowlevel.Abort:
        nonlocal cancelling
        # trio calls this again when another enclosing scope is cancelled: only the
        # first request counts. If the outcome is in, its wake-up is on the way.
        if cancelling is None and not outcome.done():
            request = call.request_cancel()
            cancelling = (request, raise_cancel)
            request.add_done_callback(functools.partial(soon, wake_from_request))
        return trio.lowlevel.Abort.FAILED

    outcome.add_done_callback(functools.partial(soon, wake_from_outcome))
    await trio.lowlevel.wait_task_rescheduled(abort)
    if cancelling is None:
        return outcome.result()
    request, raise_cancel = cancelling
    error = call.settle_cancelled(request)
    if error is not None:
        try:
            raise error
        finally:
            del error
    if outcome.done() and not outcome.cancelled():
        return outcome.result()  # it finished first; cancelled at the next checkpoint
    failure = request.exception()
    if failure is None:
        raise_cancel()
    try:
        raise_cancel()
    except BaseException as cancelled:
        raise cancelled from failure  # the client refused: say why nothing was cancelled
