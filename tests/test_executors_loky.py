"""run_in_executor on loky's reusable process executor, the one joblib uses: every backend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import pytest

import asynckit
from tests._executors_checks import (
    check_running_work_is_awaited,
    run_leak_check,
    wait_for_path,
)
from tests._executors_helpers import (
    VAR,
    add,
    crash,
    fail,
    get_var,
    started_then_wait,
    write_marker,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

loky = pytest.importorskip("loky")

WORKERS = 1  # one worker: what is queued behind a running call is known
_created: list[Any] = []


@pytest.fixture(scope="module", autouse=True)
def _shut_down_loky() -> Iterator[None]:
    """Shut down every executor the module used (a crash makes loky create a new one)."""
    yield
    for executor in _created:
        executor.shutdown(wait=True, kill_workers=True)


def _reusable_executor() -> Any:
    executor = loky.get_reusable_executor(max_workers=WORKERS)
    if not any(executor is seen for seen in _created):
        _created.append(executor)
    return executor


@pytest.fixture
def executor() -> Any:
    return _reusable_executor()


async def test_result_and_kwargs(executor: Any) -> None:
    assert await asynckit.run_in_executor(executor, add, 1, b=2) == 3


async def test_exception_keeps_its_type_and_remote_traceback(executor: Any) -> None:
    with pytest.raises(ValueError, match="from loky") as excinfo:
        await asynckit.run_in_executor(executor, fail, "from loky")
    remote = str(excinfo.value.__cause__)
    assert "in fail\n    raise ValueError(message)" in remote


async def test_context_variables_stay_behind(executor: Any) -> None:
    # A contextvars.Context does not pickle: none is sent, so nothing breaks.
    VAR.set("caller")
    assert await asynckit.run_in_executor(executor, get_var) == "default"


async def test_queued_work_is_withdrawn(executor: Any, tmp_path: Path) -> None:
    # The worker runs a blocker; loky moves the next few calls into its call queue
    # (running, for the executor) and keeps the rest pending. Cancelled pending calls
    # end at once and never run; cancelled calls already in the call queue are awaited.
    names = [f"queued-{i}" for i in range(2 * WORKERS + 4)]
    scopes: list[anyio.CancelScope] = []
    ended_early: list[str] = []
    blocker_done = False

    async def queued(name: str) -> None:
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            await asynckit.run_in_executor(executor, write_marker, str(tmp_path), name)
        if not blocker_done:
            ended_early.append(name)

    async with anyio.create_task_group() as tg:
        tg.start_soon(asynckit.run_in_executor, executor, started_then_wait, str(tmp_path), "x")
        await wait_for_path(tmp_path / "started")
        for name in names:
            tg.start_soon(queued, name)
            await anyio.wait_all_tasks_blocked()
        for scope in scopes:
            scope.cancel()
        await anyio.wait_all_tasks_blocked()
        withdrawn = list(ended_early)
        blocker_done = True
        (tmp_path / "proceed").write_text("")
    assert withdrawn  # loky's call queue holds only a few calls
    ran = {path.name for path in tmp_path.glob("queued-*")}
    assert ran == set(names) - set(withdrawn)


@pytest.mark.parametrize("outcome", ["value", "raise"])
async def test_running_work_runs_to_the_end_and_is_awaited(
    executor: Any, tmp_path: Path, outcome: str, anyio_backend_name: str
) -> None:
    await check_running_work_is_awaited(executor, tmp_path, outcome, anyio_backend_name)


async def test_crashed_worker_is_reported_and_a_new_executor_replaces_it(executor: Any) -> None:
    terminated = loky.process_executor.TerminatedWorkerError
    with pytest.raises(terminated, match=r"died while running .*crash\(\)") as excinfo:
        await asynckit.run_in_executor(executor, crash)
    message = str(excinfo.value)
    assert "call loky.get_reusable_executor() again" in message
    assert "EXIT(7)" in message  # loky's own account of the exit code is kept
    # The broken executor refuses work, and says what to do ...
    with pytest.raises(terminated, match=r"add\(\).*get_reusable_executor"):
        await asynckit.run_in_executor(executor, add, 1)
    # ... which works.
    fresh = _reusable_executor()
    assert fresh is not executor
    assert await asynckit.run_in_executor(fresh, add, 2, b=2) == 4


LEAK_CHECK = """
import os, sys, threading
import anyio
import loky
import asynckit

def double(x):
    return 2 * x

def pid():
    return os.getpid()

async def main():
    executor = loky.get_reusable_executor(max_workers=1)
    assert await asynckit.run_in_executor(executor, double, 3) == 6
    worker = await asynckit.run_in_executor(executor, pid)
    executor.shutdown(wait=True, kill_workers=True)
    return worker

if __name__ == "__main__":
    worker = anyio.run(main, backend=sys.argv[1])
    for thread in threading.enumerate():
        if thread.name == "QueueFeederThread":  # its queue is closed: it is ending
            thread.join(30)
    # trio keeps idle worker threads cached for reuse (daemon threads it owns)
    left = [t for t in threading.enumerate() if not t.name.startswith("Trio thread")]
    assert left == [threading.main_thread()], left
    try:
        os.kill(worker, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError("loky's worker outlived the shutdown")
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_no_thread_or_worker_outlives_the_shutdown(tmp_path: Path, backend: str) -> None:
    run_leak_check(tmp_path, LEAK_CHECK, backend)
