"""LoopThread: closing, races with close, crashes, leaks, fork, and many callers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import sys
import threading
import warnings
from typing import Any

import anyio
import pytest

from asynckit import LoopThread, LoopThreadClosedError, _loopthread_core, _syncify, syncify
from tests._loopthread_helpers import (  # noqa: F401
    ASYNCIO_FLAVOURS,
    flavour_fixture,
    live_threads,
    loop_thread_fixture,
    open_fds,
    threads_started_since,
)


async def echo(value: Any) -> Any:
    await anyio.lowlevel.checkpoint()
    return value


def test_close_fails_pending_calls(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    started = threading.Semaphore(0)

    async def forever() -> None:
        started.release()
        await anyio.sleep_forever()

    errors: list[BaseException] = []

    def caller() -> None:
        try:
            loop_thread.run(forever)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    future = loop_thread.submit(forever)
    assert started.acquire(timeout=30)
    assert started.acquire(timeout=30)
    loop_thread.close()
    thread.join()
    assert len(errors) == 1
    assert isinstance(errors[0], LoopThreadClosedError)
    assert "was closed before the call completed; its task was cancelled" in str(errors[0])
    with pytest.raises(LoopThreadClosedError):
        future.result(timeout=30)
    assert loop_thread.statistics() == _loopthread_core.LoopThreadStatistics("closed", 0, 0)


def test_close_on_the_loop_thread_raises(loop_thread: LoopThread) -> None:
    with pytest.raises(RuntimeError, match=r"close\(\) was called on the loop's own thread"):
        loop_thread.call(loop_thread.close)


@pytest.mark.parametrize("flavour", ASYNCIO_FLAVOURS)
def test_close_is_bounded_when_a_task_ignores_cancellation(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    started = threading.Event()

    async def stubborn() -> None:
        started.set()
        while True:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    future = loop_thread.submit(stubborn)
    assert started.wait(30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        loop_thread.close(timeout=0.05)
    with pytest.raises(LoopThreadClosedError):
        future.result(timeout=30)


def test_close_reports_a_blocked_event_loop(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    unblock = threading.Event()
    entered = threading.Event()

    def block() -> None:
        entered.set()
        unblock.wait()

    blocker = threading.Thread(target=loop_thread.call, args=(block,))
    blocker.start()
    assert entered.wait(30)
    with pytest.raises(RuntimeError, match="something blocks its event loop"):
        loop_thread.close(timeout=0)
    with pytest.raises(LoopThreadClosedError, match="did not stop in time"):
        loop_thread.run(echo, 1)
    unblock.set()
    blocker.join()
    assert loop_thread._thread is not None
    loop_thread._thread.join(30)
    assert not loop_thread._thread.is_alive()


def test_concurrent_closes(loop_thread: LoopThread) -> None:
    closers = [threading.Thread(target=loop_thread.close) for _ in range(4)]
    for closer in closers:
        closer.start()
    for closer in closers:
        closer.join()
    assert loop_thread.statistics().state == "closed"


def test_a_storm_of_calls_racing_with_close_never_hangs(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    outcomes: list[str] = []
    enough = threading.Barrier(9)

    def caller(index: int) -> None:
        calls = 0
        while True:
            calls += 1
            if calls == 20:
                enough.wait()
            try:
                if index % 3 == 0:
                    loop_thread.submit(echo, index).result()
                elif index % 3 == 1:
                    loop_thread.call(abs, index)
                else:
                    loop_thread.run(echo, index)
            except LoopThreadClosedError:
                outcomes.append("closed")
                if calls < 20:
                    enough.wait()
                return

    callers = [threading.Thread(target=caller, args=(i,)) for i in range(8)]
    for thread in callers:
        thread.start()
    enough.wait()
    loop_thread.close()
    for thread in callers:
        thread.join(60)
        assert not thread.is_alive()
    assert outcomes == ["closed"] * 8


def test_the_sweep_fails_a_call_queued_after_the_loop_stopped() -> None:
    loop_thread = LoopThread()
    loop_thread.start()
    loop_thread.close()
    # A caller that passed the state check just before close() finished: its call is
    # queued after the loop stopped, and the caller's own re-check fails it.
    from asynckit._loopthread_calls import WaitCall

    call = WaitCall(None, (), echo(1), True)
    loop_thread._state = _loopthread_core._RUNNING
    loop_thread._queue.append(call)
    loop_thread._wakeup_pending = False
    loop_thread._state = _loopthread_core._State.CLOSED
    loop_thread._sweep()
    with pytest.raises(LoopThreadClosedError):
        call.wait(None, lambda call: None)


def test_submit_racing_with_the_end_of_the_loop() -> None:
    loop_thread = LoopThread()
    loop_thread.start()
    schedule = loop_thread._schedule
    loop_thread.close()
    # The state check passed while the loop was still running; by the time the caller
    # schedules its wake-up the loop is closed.
    loop_thread._state = _loopthread_core._RUNNING
    loop_thread._schedule = schedule
    calls: list[Any] = []

    def close_again(*args: object) -> None:
        loop_thread._state = _loopthread_core._State.CLOSED
        calls.append(args)
        schedule(*args)

    loop_thread._schedule = close_again
    with pytest.raises(LoopThreadClosedError):
        loop_thread.run(echo, 1)
    assert calls


def test_the_loop_stopping_on_its_own_fails_calls(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()

    async def stop_the_loop() -> None:
        if flavour["backend"] == "trio":
            loop_thread._runner.begin_shutdown(0)
        else:
            asyncio.get_running_loop().stop()
        await anyio.sleep_forever()

    with pytest.raises(LoopThreadClosedError):
        loop_thread.run(stop_the_loop)
    assert loop_thread._thread is not None
    loop_thread._thread.join(30)
    with pytest.raises(LoopThreadClosedError):
        loop_thread.run(echo, 1)
    loop_thread.close()


@pytest.mark.parametrize("flavour", ASYNCIO_FLAVOURS)
def test_an_exception_escaping_the_loop_is_the_cause(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()

    async def escape() -> None:
        async def exit_loop() -> None:
            raise SystemExit(3)

        asyncio.get_running_loop().create_task(exit_loop())
        await asyncio.sleep(3600)

    with pytest.raises(LoopThreadClosedError, match="stopped unexpectedly") as info:
        loop_thread.run(escape)
    assert isinstance(info.value.__cause__, SystemExit)
    loop_thread.close()


def test_close_reports_unretrieved_task_errors(loop_thread: LoopThread) -> None:
    if loop_thread._backend == "trio":
        pytest.skip("asyncio tasks")
    reported: list[dict[str, Any]] = []
    tasks: list[asyncio.Task[None]] = []

    async def spawn() -> None:
        async def fails_when_cancelled() -> None:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                raise ValueError("cleanup failed") from None

        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda loop, context: reported.append(context))
        tasks.append(loop.create_task(fails_when_cancelled()))
        await asyncio.sleep(0)

    loop_thread.run(spawn)
    loop_thread.close()
    assert [str(context["exception"]) for context in reported] == ["cleanup failed"]


@pytest.mark.parametrize("flavour", ASYNCIO_FLAVOURS)
def test_close_shuts_down_async_generators_and_the_executor(flavour: dict[str, Any]) -> None:
    finalized = threading.Event()

    async def agen() -> Any:
        try:
            yield 1
            yield 2
        finally:
            finalized.set()

    async def use() -> int:
        iterator = agen()
        keep.append(iterator)
        first: int = await iterator.__anext__()
        await asyncio.get_running_loop().run_in_executor(None, abs, -1)
        return first

    keep: list[Any] = []
    threads_before = live_threads()
    fds_before = open_fds()
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    assert loop_thread.run(use) == 1
    loop_thread.close()
    assert finalized.is_set()
    assert threads_started_since(threads_before) == []
    assert open_fds() <= fds_before


def test_a_thread_that_ends_meanwhile_is_not_a_leak() -> None:
    # Regression: an idle worker of trio's thread cache, started by an earlier test,
    # ended during the leak check and was reported as a difference.
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="Trio thread 1")
    worker.start()
    before = live_threads()
    release.set()
    worker.join()
    assert threads_started_since(before) == []
    hold = threading.Event()
    newcomer = threading.Thread(target=hold.wait, name="newcomer")
    newcomer.start()
    try:
        assert threads_started_since(before) == ["newcomer"]
    finally:
        hold.set()
        newcomer.join()


def test_no_thread_loop_or_fd_is_leaked(flavour: dict[str, Any]) -> None:
    threads_before = live_threads()
    fds_before = open_fds()
    loop_threads = [LoopThread(**flavour) for _ in range(3)]
    for loop_thread in loop_threads:
        with loop_thread:
            assert loop_thread.run(echo, 1) == 1
            with pytest.raises(TimeoutError):
                loop_thread.run(anyio.sleep_forever, timeout=0.01)
    assert threads_started_since(threads_before) == []
    assert open_fds() <= fds_before
    for loop_thread in loop_threads:
        loop = getattr(loop_thread._runner, "_loop", None)
        assert loop is None or loop.is_closed()


def _many_callers(loop_thread: LoopThread, threads: int, calls: int) -> None:
    results: dict[int, list[Any]] = {}
    start = threading.Barrier(threads)

    def caller(index: int) -> None:
        start.wait()
        results[index] = [loop_thread.run(echo, (index, i)) for i in range(calls)]

    workers = [threading.Thread(target=caller, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == list(range(threads))
    for index, mine in results.items():
        assert mine == [(index, i) for i in range(calls)]


def test_many_threads_get_exactly_their_own_results(loop_thread: LoopThread) -> None:
    _many_callers(loop_thread, threads=16, calls=300)


@pytest.mark.slow
@pytest.mark.timeout(600)  # 160,000 calls: about 25 s on an idle 2-core machine
def test_16_threads_x_10000_calls_get_exactly_their_own_results(loop_thread: LoopThread) -> None:
    _many_callers(loop_thread, threads=16, calls=10_000)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_inherit_the_loop_thread(loop_thread: LoopThread) -> None:
    syncify(echo)(1)  # the shared default loop thread exists in the parent
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # 3.12+ warns that forking a multi-threaded process is risky; that is the point.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not saved
        status = 1
        try:
            os.close(read_end)
            with pytest.raises(LoopThreadClosedError, match=r"os\.fork\(\)"):
                loop_thread.run(echo, 1)
            with LoopThread() as fresh:
                assert fresh.run(echo, 2) == 2
            assert syncify(echo)(3) == 3
            status = 0
        finally:
            os.write(write_end, bytes([status]))
            os._exit(status)
    os.close(write_end)
    assert os.read(read_end, 1) == b"\x00"
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_forgetting_after_fork(flavour: dict[str, Any]) -> None:
    # The at-fork handler's effect, checked in-process (the child's coverage is lost).
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    thread = loop_thread._thread
    assert thread is not None
    runner_state = (loop_thread._runner, loop_thread._schedule)
    loop_thread._forget_after_fork()
    with pytest.raises(LoopThreadClosedError, match=r"does not exist after os\.fork\(\)"):
        loop_thread.run(echo, 1)
    never_started = LoopThread(**flavour)
    never_started._forget_after_fork()
    assert never_started.statistics().state == "created"
    # Clean up the real thread, which does exist in this process.
    runner, schedule = runner_state
    schedule(runner.begin_shutdown, 5.0)
    thread.join(30)
    assert not thread.is_alive()


def test_fork_and_exit_hooks_cover_every_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    never_started = LoopThread()
    running = LoopThread()
    fake = [
        type("Fake", (), {"_forget_after_fork": lambda self: seen.append("fork")})(),
    ]
    monkeypatch.setattr(_loopthread_core, "_instances", fake)
    _loopthread_core._after_fork_in_child()
    assert seen == ["fork"]
    with running:
        monkeypatch.setattr(_loopthread_core, "_instances", [running, never_started])
        _loopthread_core._close_all_at_exit()
        assert running.statistics().state == "closed"
    default, lock = _syncify._default, _syncify._default_lock
    try:
        _syncify._reset_after_fork()
        assert _syncify._default is None
        assert _syncify._default_lock is not lock
    finally:
        _syncify._default, _syncify._default_lock = default, lock


def test_close_all_at_exit_runs_in_a_subprocess(tmp_path: Any) -> None:
    import subprocess

    script = tmp_path / "exit.py"
    script.write_text(
        "import anyio\n"
        "from asynckit import LoopThread, syncify\n"
        "async def agen():\n"
        "    try:\n"
        "        yield 1\n"
        "        await anyio.sleep_forever()\n"
        "    finally:\n"
        "        print('finalized', flush=True)\n"
        "lt = LoopThread()\n"
        "lt.start()\n"
        "f = lt.submit(anyio.sleep_forever)\n"
        "print(syncify(anyio.sleep)(0), flush=True)\n"
        "it = lt.iterate(agen())\n"
        "print(next(it), flush=True)\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["None", "1", "finalized"]


def test_futures_of_a_closed_loop_thread_can_be_waited_for() -> None:
    with LoopThread() as loop_thread:
        future = loop_thread.submit(anyio.sleep_forever)
    done, _ = concurrent.futures.wait([future], timeout=30)
    assert done == {future}
    assert isinstance(future.exception(), LoopThreadClosedError)
