"""run_in_executor on real dask.distributed clusters, in-process and with worker processes."""

from __future__ import annotations

import gc
import logging
import threading
from typing import TYPE_CHECKING, Any

import anyio
import pytest

import asynckit
from tests._executors_helpers import VAR, add, fail, get_var, started_then_wait

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

distributed = pytest.importorskip("distributed")

RAN: list[str] = []  # shared with the in-process cluster's worker threads
GATES: dict[str, threading.Event] = {}


def record(name: str) -> str:
    RAN.append(name)
    return name


def gated(name: str) -> str:
    """Run until the test opens the gate ``name`` (in-process cluster only)."""
    GATES[name].wait(30)
    RAN.append(name)
    return name


def record_unless_cancelled(name: str) -> str:
    """``record`` under a key prefix of its own, which no other test leaves behind."""
    return record(name)


def gated_unless_refused(name: str) -> str:
    """``gated`` under a key prefix of its own."""
    return gated(name)


def echo_kwargs(**kwargs: Any) -> dict[str, Any]:
    return kwargs


def _cluster(processes: bool) -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def in_process_client() -> Iterator[Any]:
    yield from _cluster(processes=False)


@pytest.fixture(scope="module")
def process_client() -> Iterator[Any]:
    yield from _cluster(processes=True)


def _scheduler_keys(client: Any) -> list[str]:
    def keys(dask_scheduler: Any) -> list[str]:
        return [str(key) for key in dask_scheduler.tasks]

    result: list[str] = client.run_on_scheduler(keys)
    return result


async def _wait_until_known(client: Any, prefix: str) -> None:
    with anyio.fail_after(30):
        while not any(key.startswith(prefix) for key in _scheduler_keys(client)):
            await anyio.sleep(0.01)


def _worker_keys(client: Any) -> list[str]:
    def keys(dask_worker: Any) -> list[str]:
        return [str(key) for key in dask_worker.state.tasks]

    per_worker: dict[str, list[str]] = client.run(keys)
    return [key for keys in per_worker.values() for key in keys]


async def _wait_until_forgotten(client: Any, prefix: str, *, by_workers: bool = False) -> None:
    """Wait until the scheduler (and the workers) know no key starting with ``prefix``."""
    with anyio.fail_after(30):
        while any(
            key.startswith(prefix)
            for key in _scheduler_keys(client) + (_worker_keys(client) if by_workers else [])
        ):
            await anyio.sleep(0.01)


@pytest.fixture(params=["in-process", "processes"])
def client(request: pytest.FixtureRequest) -> Any:
    name = "in_process_client" if request.param == "in-process" else "process_client"
    return request.getfixturevalue(name)


async def test_result_and_kwargs_reach_the_function(client: Any) -> None:
    executor = client.get_executor()
    assert await asynckit.run_in_executor(executor, add, 1, b=2) == 3
    # Names that Client.submit would take as its own options reach the function.
    got = await asynckit.run_in_executor(executor, echo_kwargs, key="k", pure=True, workers=1)
    assert got == {"key": "k", "pure": True, "workers": 1}


async def test_exception_keeps_its_remote_traceback(client: Any) -> None:
    with pytest.raises(ValueError, match="on dask") as excinfo:
        await asynckit.run_in_executor(client.get_executor(), fail, "on dask")
    assert any(entry.name == "fail" for entry in excinfo.traceback)


async def test_context_variables_stay_behind(client: Any) -> None:
    VAR.set("caller")
    assert await asynckit.run_in_executor(client.get_executor(), get_var) == "default"


async def test_identical_calls_are_not_merged(in_process_client: Any) -> None:
    RAN.clear()
    executor = in_process_client.get_executor()
    async with anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(asynckit.run_in_executor, executor, record, "same")
    assert RAN == ["same", "same"]


async def test_explicit_pure_is_respected(in_process_client: Any) -> None:
    RAN.clear()
    executor = in_process_client.get_executor(pure=True)
    gate = GATES["pure"] = threading.Event()
    async with anyio.create_task_group() as tg:
        for _ in range(2):
            tg.start_soon(asynckit.run_in_executor, executor, gated, "pure")
        await anyio.wait_all_tasks_blocked()
        gate.set()
    assert RAN == ["pure"]  # dask merged the two identical pure calls


async def test_queued_work_is_cancelled(in_process_client: Any) -> None:
    RAN.clear()
    executor = in_process_client.get_executor()
    gate = GATES["queued-blocker"] = threading.Event()
    scope = anyio.CancelScope()

    async def queued() -> None:
        with scope:
            await asynckit.run_in_executor(executor, record_unless_cancelled, "queued")

    async with anyio.create_task_group() as tg:
        tg.start_soon(asynckit.run_in_executor, executor, gated, "queued-blocker")
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(queued)
        await anyio.wait_all_tasks_blocked()
        # A key prefix of its own: "record" keys of earlier tests may still be known.
        await _wait_until_known(in_process_client, "record_unless_cancelled")
        scope.cancel()
        await _wait_until_forgotten(in_process_client, "record_unless_cancelled", by_workers=True)
        gate.set()
    assert scope.cancelled_caught
    assert await asynckit.run_in_executor(executor, record, "later") == "later"
    assert RAN == ["queued-blocker", "later"]


async def test_running_work_is_cancelled_remotely(process_client: Any, tmp_path: Path) -> None:
    executor = process_client.get_executor()
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                asynckit.run_in_executor, executor, started_then_wait, str(tmp_path), "value"
            )
            with anyio.fail_after(30):
                while not (tmp_path / "started").exists():
                    await anyio.sleep(0.01)
            scope.cancel()
    assert scope.cancelled_caught
    await _wait_until_forgotten(process_client, "started_then_wait")
    (tmp_path / "proceed").write_text("")  # let the worker's thread finish
    assert await asynckit.run_in_executor(executor, add, 5) == 5


async def test_asynchronous_clients_are_rejected() -> None:
    class AsynchronousClient:
        asynchronous = True

    executor = distributed.cfexecutor.ClientExecutor(AsynchronousClient())
    with pytest.raises(TypeError, match="synchronous dask Client"):
        await asynckit.run_in_executor(executor, add, 1)


async def test_cancelling_does_not_block_the_event_loop(in_process_client: Any) -> None:
    # While the client's own event loop thread is held, a blocking cancel() would hold
    # ours too: the test could not go on to release it.
    RAN.clear()
    client = in_process_client
    executor = client.get_executor()
    blocker = GATES["loop-blocker"] = threading.Event()
    held, release = threading.Event(), threading.Event()
    outer, inner = anyio.CancelScope(), anyio.CancelScope()
    caller_done = anyio.Event()

    def hold_the_client_loop() -> None:
        held.set()
        release.wait(30)

    async def queued() -> None:
        try:
            with outer, inner:
                await asynckit.run_in_executor(executor, record_unless_cancelled, "never")
        finally:
            caller_done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(asynckit.run_in_executor, executor, gated, "loop-blocker")
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(queued)
        await _wait_until_known(client, "record_unless_cancelled")
        client.loop.add_callback(hold_the_client_loop)
        await anyio.to_thread.run_sync(held.wait, 30)
        inner.cancel()
        await anyio.wait_all_tasks_blocked()
        outer.cancel()  # cancelled again meanwhile: still one request, still waiting
        await anyio.wait_all_tasks_blocked()
        # The cancellation does not complete before the client has taken the request.
        assert not caller_done.is_set()
        release.set()
        with anyio.fail_after(30):
            await caller_done.wait()
        assert outer.cancelled_caught
        # The request has run on the client: its future is cancelled and dropped.
        assert not any(str(key).startswith("record_unless") for key in client.futures)
        await _wait_until_forgotten(client, "record_unless_cancelled", by_workers=True)
        blocker.set()
    assert await asynckit.run_in_executor(executor, record, "later") == "later"
    assert RAN == ["loop-blocker", "later"]


async def test_a_failed_cancellation_request_is_the_cause(
    in_process_client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    RAN.clear()
    executor = in_process_client.get_executor()
    gate = GATES["refused"] = threading.Event()
    causes: list[BaseException | None] = []

    async def refuse() -> None:
        raise RuntimeError("the client refused")

    def cancel(futures: list[Any], asynchronous: bool | None = None) -> Any:
        assert asynchronous
        return refuse()

    async def caller() -> None:
        try:
            await asynckit.run_in_executor(executor, gated_unless_refused, "refused")
        except BaseException as exc:
            causes.append(exc.__cause__)
            raise

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await _wait_until_known(in_process_client, "gated_unless_refused")
        with monkeypatch.context() as patch:
            patch.setattr(in_process_client, "cancel", cancel)
            tg.cancel_scope.cancel()
            with anyio.CancelScope(shield=True):
                await anyio.wait_all_tasks_blocked()
                while not causes:
                    await anyio.sleep(0.01)
    assert isinstance(causes[0], RuntimeError)
    assert str(causes[0]) == "the client refused"
    gate.set()  # not cancelled: it runs to the end
    await _wait_until_forgotten(in_process_client, "gated_unless_refused")
    assert RAN == ["refused"]
    gc.collect()
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


async def test_a_shut_down_executor_refuses_work(in_process_client: Any) -> None:
    executor = in_process_client.get_executor()
    executor.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        await asynckit.run_in_executor(executor, add, 1)
