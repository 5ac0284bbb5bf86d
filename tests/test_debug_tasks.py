"""The pytest plugin's task tracking, in process (the plugin's runs are in the other file)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
from typing import TYPE_CHECKING

import anyio
import pytest

import asynckit
from asynckit import _debug_pytest, _debug_tasks
from asynckit._debug_report import _package_dirs

if sys.version_info >= (3, 11):
    from asyncio import Runner
else:
    from anyio._backends._asyncio import Runner

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def tracker() -> Iterator[_debug_tasks.TaskTracker]:
    tracker = _debug_tasks.TaskTracker()
    _debug_tasks.start(tracker)
    try:
        yield tracker
    finally:
        _debug_tasks.stop()


async def forever(started: asyncio.Event | None = None) -> None:
    if started is not None:
        started.set()
    await asyncio.Event().wait()


def names(tracker: _debug_tasks.TaskTracker) -> list[str]:
    return [finding.name for finding in tracker.findings]


def test_start_twice_and_stop_restore(tracker: _debug_tasks.TaskTracker) -> None:
    with pytest.raises(RuntimeError, match="already active"):
        _debug_tasks.start(_debug_tasks.TaskTracker())
    assert _debug_tasks.current() is tracker
    assert hasattr(asyncio.BaseEventLoop.create_task, "__wrapped__")
    _debug_tasks.stop()
    assert _debug_tasks.current() is None
    assert not hasattr(asyncio.BaseEventLoop.create_task, "__wrapped__")
    assert not hasattr(Runner.close, "__wrapped__")
    _debug_tasks.start(tracker)  # for the fixture to stop


def test_runner_close_reports_what_it_would_cancel(tracker: _debug_tasks.TaskTracker) -> None:
    async def main() -> asyncio.Task[None]:
        leaked = asyncio.create_task(forever(), name="leaked")
        leaked.add_done_callback(lambda task: None)  # not a task group's
        stopping = asyncio.create_task(forever(), name="cancel-requested")
        finished = asyncio.create_task(asyncio.sleep(0), name="finished")
        await finished
        stopping.cancel()
        return stopping

    with Runner() as runner:
        stopping: asyncio.Task[None] = runner.run(main())
    assert stopping.cancelled()
    assert names(tracker) == ["leaked (forever)"]
    (finding,) = tracker.findings
    assert finding.kind == "task-left-pending"
    assert "runner cancelled it on closing" in finding.detail
    assert finding.location is not None
    assert finding.location.function == "main"
    assert tracker.finish() == tracker.findings  # nothing more
    Runner().close()  # a runner that never made its loop


def test_task_created_while_tracking_starts_or_stops() -> None:
    # Another thread may create a task between patching and tracking: it is let be.
    create_task = _debug_tasks._wrap_create_task(lambda loop, coro: coro)
    assert create_task(None, "task") == "task"


def test_tasks_of_another_loop_wait_for_theirs(tracker: _debug_tasks.TaskTracker) -> None:
    kept = asyncio.new_event_loop()
    try:
        task = kept.create_task(forever(), name="on-the-kept-loop")
        kept.run_until_complete(asyncio.sleep(0))
        with Runner() as runner:
            runner.run(asyncio.sleep(0))
        assert tracker.findings == []
        tracker.finish()
        assert names(tracker) == ["on-the-kept-loop (forever)"]
        assert "cancelled; it finishes the next time" in tracker.findings[0].detail
        kept.run_until_complete(asyncio.sleep(0))
        assert task.cancelled()
    finally:
        kept.close()


def test_task_on_a_closed_loop(tracker: _debug_tasks.TaskTracker) -> None:
    loop = asyncio.new_event_loop()
    task = loop.create_task(forever())
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    tracker.finish()
    assert "its event loop is closed" in tracker.findings[0].detail
    assert "pending at" in tracker.findings[0].detail
    del task
    gc.collect()  # reported once: asyncio says nothing more when it goes


def test_task_on_a_loop_running_in_another_thread(tracker: _debug_tasks.TaskTracker) -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:

        async def spawn() -> asyncio.Task[None]:
            started = asyncio.Event()
            task = asyncio.create_task(forever(started), name="threaded")
            await started.wait()
            return task

        task = asyncio.run_coroutine_threadsafe(spawn(), loop).result()
        tracker.finish()
        assert names(tracker) == ["threaded (forever)"]

        async def wait_done() -> None:
            await asyncio.wait([task])

        asyncio.run_coroutine_threadsafe(wait_done(), loop).result()
        assert task.cancelled()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def test_broader_fixtures_own_their_tasks(tracker: _debug_tasks.TaskTracker) -> None:
    loop = asyncio.new_event_loop()
    try:
        assert not _debug_pytest.fixture_setup_started("function")
        assert _debug_pytest.fixture_setup_started("module")
        server = loop.create_task(forever(), name="server")
        _debug_pytest.fixture_setup_ended()
        assert tracker.fixture_depth == 0
        loop.run_until_complete(asyncio.sleep(0))
        tracker.finish()
        assert tracker.findings == []
        server.cancel()
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()


def test_no_tracker_no_fixture_bookkeeping() -> None:
    assert not _debug_pytest.fixture_setup_started("module")
    _debug_pytest.fixture_setup_ended()


def test_children_of_a_bounded_gather_left_running_are_reported(
    tracker: _debug_tasks.TaskTracker,
) -> None:
    # gather(limit=) makes tasks without going through the (tracked) create_task
    # only where nothing wraps it: here the tracker does.
    async def main() -> asyncio.Future[tuple[None, None, None]]:
        fut = asynckit.gather(forever(), forever(), forever(), limit=2)
        await asyncio.sleep(0)
        return fut

    with Runner() as runner:
        fut: asyncio.Future[tuple[None, None, None]] = runner.run(main())
    assert [name.split(" ")[1] for name in names(tracker)] == ["(forever)", "(forever)"]
    assert fut.cancelled() or isinstance(fut.exception(), asyncio.CancelledError)


def test_task_group_children_belong_to_their_group(tracker: _debug_tasks.TaskTracker) -> None:
    async def hold_groups(ready: asyncio.Event) -> None:
        async with contextlib.AsyncExitStack() as stack:
            ours = await stack.enter_async_context(asynckit.TaskGroup())
            ours.start_soon(forever)
            ours.create_task(forever())
            theirs = await stack.enter_async_context(anyio.create_task_group())
            theirs.start_soon(forever)
            if sys.version_info >= (3, 11):
                stdlib = await stack.enter_async_context(asyncio.TaskGroup())
                stdlib.create_task(forever())
            await asyncio.sleep(0)
            ready.set()
            await forever()

    async def main() -> None:
        ready = asyncio.Event()
        asyncio.create_task(hold_groups(ready), name="holder")  # noqa: RUF006 - the leak under test
        await ready.wait()

    with Runner() as runner:
        runner.run(main())
    assert [name.split(" ")[0] for name in names(tracker)] == ["holder"]


def test_anyio_test_runner_task_is_not_tracked(tracker: _debug_tasks.TaskTracker) -> None:
    from anyio._backends._asyncio import TestRunner

    async def test_body() -> None:
        asyncio.create_task(forever(), name="from-the-test")  # noqa: RUF006 - the leak under test
        await asyncio.sleep(0)

    with TestRunner() as runner:
        runner.run_test(test_body, {})
    assert names(tracker) == ["from-the-test (forever)"]


def test_package_dirs_of_missing_packages() -> None:
    assert _package_dirs("asynckit_no_such_package") == ()
    (anyio_dir,) = _package_dirs("anyio")
    assert anyio_dir.rstrip("/\\").endswith("anyio")


def test_finished_tasks_are_forgotten(tracker: _debug_tasks.TaskTracker) -> None:
    async def main() -> None:
        for _ in range(3):
            await asyncio.gather(*(asyncio.create_task(asyncio.sleep(0)) for _ in range(600)))

    with Runner() as runner:
        runner.run(main())
    assert len(tracker._tasks) < 1800
    assert tracker.finish() == []
