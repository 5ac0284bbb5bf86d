"""TaskGroup on asyncio: cancel counts, eager tasks, the loop's exception handler.

These cover, on every Python from 3.10, the cases of CPython's ``test_taskgroups``
that only run on 3.11+ (see ``test_taskgroup_cpython.py``) and the upstream bugs the
group fixes on every version.
"""

# A task group is a block: pytest.raises() has to hold the whole of it.
# ruff: noqa: PT012

from __future__ import annotations

import asyncio
import inspect
import sys
import types
from typing import TYPE_CHECKING, Any

import pytest

from asynckit import TaskGroup
from tests._backends import ASYNCIO_BACKENDS
from tests._taskgroup_helpers import Boom, leaf_types

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Generator

    from anyio.abc import TaskStatus

pytestmark = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)


def cancelling() -> int:
    """The current task's cancellation count (always 0 on 3.10, which has none)."""
    task: Any = asyncio.current_task()
    return int(task.cancelling()) if sys.version_info >= (3, 11) else 0


async def fail_now() -> None:
    raise Boom


async def fail_soon() -> None:
    await asyncio.sleep(0)
    raise Boom


async def test_cancel_count_balanced_after_child_error() -> None:
    with pytest.raises(ExceptionGroup):
        async with TaskGroup() as tg:
            tg.create_task(fail_soon())
            await asyncio.sleep(10)
    assert cancelling() == 0
    await asyncio.sleep(0)  # no cancellation left over


async def test_eager_failure_inside_create_task_does_not_leak_a_cancellation() -> None:
    # With the eager task factory the child fails inside create_task(), while
    # the parent runs; its cancellation must not hit the code after the group.
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(fail_now())
    assert leaf_types(info.value) == {Boom}
    assert cancelling() == 0
    await asyncio.sleep(0)


async def test_cancel_in_body_without_children_does_not_leak() -> None:
    async with TaskGroup() as tg:
        tg.cancel()
    assert cancelling() == 0
    await asyncio.sleep(0)


async def test_child_cancels_group_before_first_suspension() -> None:
    # gh-155418 upstream: with eager tasks, abort() ran before the child joined
    # the group, which then waited for it forever.
    done = asyncio.Event()

    async def child(tg: TaskGroup) -> None:
        tg.cancel()
        await done.wait()

    async with TaskGroup() as tg:
        handle = tg.create_task(child(tg))
    assert handle.cancelled()


async def test_child_spawning_failing_grandchild_eagerly() -> None:
    # gh-128550 upstream: deadlocked with eager tasks.
    async def second(tg: TaskGroup) -> None:
        tg.create_task(fail_now())
        await asyncio.Event().wait()

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(second(tg))
    assert leaf_types(info.value) == {Boom}


async def test_nested_groups_both_cancelled() -> None:
    async def raise_after(exc: type[BaseException]) -> None:
        await asyncio.sleep(0)
        raise exc

    after_inner = 0
    with pytest.raises(ExceptionGroup) as outer_info:
        async with TaskGroup() as outer_tg:
            with pytest.raises(ExceptionGroup) as inner_info:
                async with TaskGroup() as inner_tg:
                    inner_tg.create_task(raise_after(RuntimeError))
                    outer_tg.create_task(raise_after(ValueError))
            assert leaf_types(inner_info.value) == {RuntimeError}
            assert cancelling() == (1 if sys.version_info >= (3, 11) else 0)
            after_inner += 1
            await asyncio.sleep(10)  # cancelled by the outer group
            after_inner += 1
    assert leaf_types(outer_info.value) == {ValueError}
    assert after_inner == 1
    assert cancelling() == 0


async def test_error_and_outside_cancel() -> None:
    event = asyncio.Event()
    reached: list[str] = []

    async def raise_error() -> None:
        event.set()
        await asyncio.sleep(0)
        raise RuntimeError

    async def inner() -> None:
        with pytest.raises(ExceptionGroup) as info:
            async with TaskGroup() as tg:
                tg.create_task(raise_error())
                await asyncio.sleep(1)
                reached.append("sleep in group not cancelled")
        assert leaf_types(info.value) == {RuntimeError}
        reached.append("after group")
        await asyncio.sleep(1)
        reached.append("sleep after group not cancelled")

    task = asyncio.create_task(inner())
    await event.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert reached == ["after group"]


async def test_outside_cancel_already_pending_when_child_fails() -> None:
    # The group must not overwrite a pending outside cancellation with its own.
    ready = asyncio.Event()

    async def body() -> None:
        async with TaskGroup() as tg:
            tg.create_task(fail_soon())
            ready.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(body())
    await ready.wait()
    task.cancel("from outside")
    with pytest.raises(ExceptionGroup) as info:
        await task
    assert leaf_types(info.value) == {Boom}


async def test_repeated_outside_cancellation_while_exiting() -> None:
    stop = asyncio.Event()
    waiting = asyncio.Event()

    async def stubborn() -> str:
        while not stop.is_set():
            try:
                waiting.set()
                await asyncio.sleep(10)
            except asyncio.CancelledError:  # noqa: PERF203 - ignores cancellation on purpose
                continue
        return "stopped"

    async def body() -> None:
        async with TaskGroup() as tg:
            tg.create_task(stubborn())

    task = asyncio.create_task(body())
    await waiting.wait()
    for _ in range(3):
        task.cancel()
        await asyncio.sleep(0)
    stop.set()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_body_catching_our_cancellation_and_raising() -> None:
    async def body() -> None:
        async with TaskGroup() as tg:
            tg.create_task(fail_soon())
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                raise ValueError from None

    with pytest.raises(ExceptionGroup) as info:
        await asyncio.create_task(body())
    assert leaf_types(info.value) == {Boom, ValueError}


async def test_base_error_in_body_reports_child_errors_to_the_loop() -> None:
    # gh-135736: a KeyboardInterrupt from the body propagates alone; the child
    # errors it would hide go to the loop's exception handler.
    contexts: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: contexts.append(context))
    try:
        with pytest.raises(KeyboardInterrupt):
            async with TaskGroup() as tg:
                tg.create_task(fail_soon())
                try:
                    await asyncio.sleep(10)
                finally:
                    raise KeyboardInterrupt
    finally:
        loop.set_exception_handler(None)
    assert [type(c["exception"]) for c in contexts] == [Boom]
    assert contexts[0]["task_group"] is tg


async def test_generator_exit_from_body_propagates_alone() -> None:
    async def agen() -> AsyncGenerator[int, None]:
        async with TaskGroup():
            yield 1

    gen = agen()
    assert await gen.__anext__() == 1
    await gen.aclose()


async def test_handle_wraps_the_task() -> None:
    async with TaskGroup() as tg:
        handle = tg.create_task(asyncio.sleep(0, "x"), name="n")
    assert handle.result() == "x"
    assert handle.get_name() == "n"
    assert handle.cancel("late") is False


async def test_group_entered_outside_a_task_is_refused() -> None:
    # CPython's test_taskgroup_without_parent_task, on every Python.
    tg = TaskGroup()
    loop = asyncio.get_running_loop()
    enter = tg.__aenter__()
    future: asyncio.Future[Any] = loop.create_future()

    def step() -> None:
        try:
            enter.send(None)
        except BaseException as exc:
            future.set_exception(exc)

    loop.call_soon(step)
    with pytest.raises(RuntimeError, match="cannot determine the parent task"):
        await future
    coro = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="has not been entered"):
        tg.create_task(coro)


async def test_child_failing_after_parent_finished_is_reported() -> None:
    contexts: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: contexts.append(context))
    release = asyncio.Event()

    async def orphan_maker() -> TaskGroup:
        tg = TaskGroup()
        await tg.__aenter__()

        async def fail_later() -> None:
            await release.wait()
            raise Boom

        tg.create_task(fail_later())
        return tg  # leaves without __aexit__: a misuse, reported not lost

    try:
        await asyncio.create_task(orphan_maker())
        release.set()
        for _ in range(3):
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert [type(c["exception"]) for c in contexts] == [Boom]
    assert "parent" in contexts[0]["message"]


async def test_started_after_start_was_cancelled_is_ignored() -> None:
    async def stubborn(*, task_status: TaskStatus[None]) -> None:
        try:
            await asyncio.sleep(10)
        finally:
            task_status.started()

    async with TaskGroup() as tg:
        starter = asyncio.create_task(tg.start(stubborn))
        await asyncio.sleep(0)
        starter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starter


async def test_start_from_outside_while_group_is_cancelled() -> None:
    # (On trio the child of start() does not belong to the group until it
    # calls started(), so the group's cancellation does not reach it.)
    outcome: list[BaseException] = []

    async def slow_start(*, task_status: TaskStatus[None]) -> None:
        await asyncio.sleep(10)

    async def starter(tg: TaskGroup) -> None:
        try:
            await tg.start(slow_start)
        except RuntimeError as exc:
            outcome.append(exc)

    async with TaskGroup() as outside, TaskGroup(keep_results=False) as tg:
        outside.create_task(starter(tg))
        await asyncio.sleep(0)
        tg.cancel()
    assert len(outcome) == 1


async def test_wait_create_task_refused_after_its_checkpoint() -> None:
    refused: list[bool] = []
    ready = asyncio.Event()

    async def producer(tg: TaskGroup) -> None:
        coro = asyncio.sleep(0)
        ready.set()
        try:
            await tg.wait_create_task(coro)  # checkpoints, then finds tg cancelled
        except RuntimeError:
            refused.append(inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED)

    async with TaskGroup() as outer, TaskGroup() as tg:
        tg.create_task(asyncio.sleep(10))
        outer.create_task(producer(tg))
        await ready.wait()
        tg.cancel()
    assert refused == [True]


# Children of an open group that keeps no results run in a guard that the group
# advances to its first step before it makes their task, so that they need no done
# callback: whatever happens to such a task before its first step, the group hears.


def _is_eager() -> bool:
    return asyncio.get_running_loop().get_task_factory() is not None


async def test_child_cancelled_from_outside_before_its_first_step() -> None:
    started: list[str] = []

    async def child() -> None:
        started.append("child")
        await asyncio.sleep(0)

    async with TaskGroup() as tg:
        handle = tg.create_task(child(), name="victim")
        for task in asyncio.all_tasks():
            if task.get_name() == "victim":
                task.cancel()
    assert handle.cancelled()
    # Never started (so closed, not left never-awaited), unless it ran eagerly.
    assert started == (["child"] if _is_eager() else [])


async def test_handle_cancelled_before_its_first_step() -> None:
    async with TaskGroup() as tg:
        handle = tg.create_task(asyncio.sleep(10))
        assert handle.cancel()
    assert handle.cancelled()


async def test_task_refused_by_its_constructor_closes_the_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def child() -> None:
        raise AssertionError("never runs")  # pragma: no cover

    def refuse(*args: object, **kwargs: object) -> asyncio.Task[Any]:
        raise RuntimeError("refused")

    loop = asyncio.get_running_loop()
    if type(loop).create_task is not asyncio.BaseEventLoop.create_task or _is_eager():
        pytest.skip("the loop makes its own tasks")
    async with TaskGroup() as tg:
        assert tg._open_type is not None
        monkeypatch.setattr(tg, "_open_type", refuse)
        with pytest.raises(RuntimeError, match="refused"):
            tg.create_task(child())
        monkeypatch.undo()
        tg.create_task(asyncio.sleep(0))
    assert not tg._tasks


async def test_body_awaiting_a_failing_child_is_cancelled_as_with_asyncio() -> None:
    # The group hears of the failure before the body's await does: the body is
    # cancelled there, and the error is raised once, in the group.
    seen: list[str] = []
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            handle = tg.create_task(fail_soon())
            try:
                await handle
            except BaseException as exc:
                seen.append(type(exc).__name__)
                raise
    assert seen == ["CancelledError"]
    assert leaf_types(info.value) == {Boom}
    assert cancelling() == 0


async def test_sibling_awaiting_a_failing_child_is_cancelled_there() -> None:
    seen: list[str] = []

    async def waiter(handle: Any) -> None:
        try:
            await handle
        except asyncio.CancelledError:
            seen.append("cancelled at the await")
        await asyncio.sleep(0)  # the cancellation was delivered once
        seen.append("ran on")

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(waiter(tg.create_task(fail_soon())))
    assert seen == ["cancelled at the await", "ran on"]
    assert leaf_types(info.value) == {Boom}


async def test_outside_waiter_wakes_before_the_code_after_the_group() -> None:
    log: list[str] = []

    async def child() -> int:
        await asyncio.sleep(0)
        return 1

    async def outside(handle: Any) -> None:
        assert await handle == 1
        log.append("outside waiter woke")

    async with TaskGroup() as tg:
        handle = tg.create_task(child())
        waiter = asyncio.get_running_loop().create_task(outside(handle))
        await asyncio.sleep(0)  # the waiter awaits the handle
    log.append("after async with")
    await waiter
    assert log == ["outside waiter woke", "after async with"]


async def test_child_whose_close_fails_before_its_first_step_does_not_hang() -> None:
    @types.coroutine
    def suspend() -> Generator[None, None, None]:
        yield

    async def stubborn() -> None:
        ignored = False
        while True:
            try:
                await suspend()
            except GeneratorExit:  # noqa: PERF203 - ignoring it once is the point
                if ignored:
                    raise
                ignored = True  # the first close() fails

    if _is_eager():
        pytest.skip("an eager task takes its first step inside create_task()")
    coro = stubborn()
    coro.send(None)  # started before it is handed over: close() will fail
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(coro).cancel()
    assert leaf_types(info.value) == {RuntimeError}
    coro.close()
