"""The dask bridge's cancellation races, reached with a stand-in client (no cluster)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from asynckit._executor_dask import DaskCall, _cancelled_asyncio, wait_dask_asyncio, wait_dask_trio
from tests._backends import ASYNCIO_BACKENDS, BACKENDS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


TRIO = [param for param in BACKENDS if param.id == "trio"]  # skipped without trio


class FakeClient:
    """Just what DaskCall uses of a ``distributed.Client``: ``loop`` and ``cancel``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_cancel: Callable[[], None]) -> None:
        self.loop = SimpleNamespace(asyncio_loop=loop)
        self.on_cancel = on_cancel
        self.requests = 0

    def cancel(self, futures: list[Any], asynchronous: bool | None = None) -> Any:
        assert asynchronous

        async def cancel() -> None:
            self.requests += 1
            self.on_cancel()

        return cancel()


@pytest.fixture
def client_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, like a dask client's."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


async def _wait(call: DaskCall[Any], backend: str) -> Any:
    if backend == "trio":
        return await wait_dask_trio(call)
    return await wait_dask_asyncio(call, asyncio.get_running_loop())


@pytest.mark.parametrize("outcome", ["value", "raise"])
async def test_work_that_finishes_before_the_cancellation_takes_effect(
    client_loop: asyncio.AbstractEventLoop, anyio_backend_name: str, outcome: str
) -> None:
    result: concurrent.futures.Future[int] = concurrent.futures.Future()

    def finish_first() -> None:  # dask settles the outcome just before the cancel
        if outcome == "value":
            result.set_result(5)
        else:
            result.set_exception(ValueError("finished first"))

    client = FakeClient(client_loop, finish_first)
    call = DaskCall(client, object(), result)
    seen: list[Any] = []
    scope = anyio.CancelScope()

    async def caller() -> None:
        with scope:
            try:
                seen.append(await _wait(call, anyio_backend_name))
            except ValueError as exc:
                seen.append(str(exc))

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await anyio.wait_all_tasks_blocked()
        scope.cancel()
    assert client.requests == 1
    if outcome == "raise":
        assert seen == ["finished first"]  # the work's exception is not lost
    elif anyio_backend_name == "trio":
        assert seen == [5]  # returned; the cancellation comes at the next checkpoint
    else:
        assert seen == []
        assert scope.cancelled_caught


@pytest.mark.parametrize("anyio_backend", TRIO)
async def test_trio_cancelled_after_the_outcome_arrived(
    client_loop: asyncio.AbstractEventLoop,
) -> None:
    result: concurrent.futures.Future[int] = concurrent.futures.Future()
    result.set_result(5)
    client = FakeClient(client_loop, lambda: None)
    seen: list[int] = []
    with anyio.CancelScope() as scope:
        scope.cancel()
        seen.append(await wait_dask_trio(DaskCall(client, object(), result)))
        await anyio.lowlevel.checkpoint()
    assert seen == [5]
    assert scope.cancelled_caught
    assert client.requests == 0  # nothing left to cancel


@pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)
@pytest.mark.parametrize("outcome", ["value", "raise"])
async def test_asyncio_cancelled_after_the_outcome_arrived(
    client_loop: asyncio.AbstractEventLoop, outcome: str
) -> None:
    # The work finished, then the caller was cancelled before it resumed.
    result: concurrent.futures.Future[int] = concurrent.futures.Future()
    if outcome == "value":
        result.set_result(5)
    else:
        result.set_exception(ValueError("finished"))
    client = FakeClient(client_loop, lambda: None)
    cancel = asyncio.CancelledError()
    expected: type[BaseException] = asyncio.CancelledError if outcome == "value" else ValueError
    with pytest.raises(expected):
        await _cancelled_asyncio(
            DaskCall(client, object(), result), asyncio.get_running_loop(), cancel
        )
    assert client.requests == 0


def test_cancel_request_to_a_closed_client_loop() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    client = FakeClient(loop, lambda: None)
    request = DaskCall(client, object(), concurrent.futures.Future()).request_cancel()
    assert isinstance(request.exception(), RuntimeError)
    assert client.requests == 0  # the coroutine was closed, never run nor left unawaited
