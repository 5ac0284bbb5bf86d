"""TaskGroup extras on every backend: start(), cancel(), limit=, wait_create_task()."""

# A task group is a block: pytest.raises() has to hold the whole of it.
# ruff: noqa: PT012

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from asynckit import TaskGroup
from tests._taskgroup_helpers import Boom, hangs, is_closed, leaf_types, raises, returns

if TYPE_CHECKING:
    from anyio.abc import TaskStatus

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]


# ---------------------------------------------------------------- start / start_soon


async def server(port: int, *, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED) -> None:
    await anyio.lowlevel.checkpoint()
    task_status.started(port + 1)
    await anyio.sleep_forever()


async def test_start_returns_the_started_value() -> None:
    async with TaskGroup() as tg:
        assert await tg.start(server, 8000) == 8001
        tg.cancel()


async def test_start_without_value() -> None:
    async def ready(*, task_status: TaskStatus[None]) -> str:
        task_status.started()
        await anyio.lowlevel.checkpoint()
        return "ran"

    async with TaskGroup(keep_results=True) as tg:
        assert await tg.start(ready, name="ready") is None
    assert tg.results() == ["ran"]
    assert tg.handles[0].name == "ready"


async def test_start_error_before_started_goes_to_the_caller() -> None:
    async def broken(*, task_status: TaskStatus[None]) -> None:
        await anyio.lowlevel.checkpoint()
        raise Boom

    async with TaskGroup() as tg:
        sibling = tg.create_task(returns(1))
        with pytest.raises(Boom):
            await tg.start(broken)
    assert sibling.result() == 1


async def test_start_child_returning_without_started() -> None:
    async def lazy(*, task_status: TaskStatus[None]) -> None:
        await anyio.lowlevel.checkpoint()

    async with TaskGroup() as tg:
        with pytest.raises(RuntimeError, match=r"started\(\)"):
            await tg.start(lazy)


async def test_start_error_after_started_goes_to_the_group() -> None:
    async def crashes_later(*, task_status: TaskStatus[None]) -> None:
        task_status.started()
        await anyio.lowlevel.checkpoint()
        raise Boom

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            await tg.start(crashes_later)
            await anyio.sleep_forever()
    assert leaf_types(info.value) == {Boom}


async def test_start_started_twice() -> None:
    async def twice(*, task_status: TaskStatus[None]) -> None:
        task_status.started()
        task_status.started()

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            await tg.start(twice)
    assert leaf_types(info.value) == {RuntimeError}


async def test_start_cancelled_cancels_the_child() -> None:
    child_cancelled = anyio.Event()

    async def slow_start(*, task_status: TaskStatus[None]) -> None:
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            child_cancelled.set()
            raise

    async with TaskGroup() as tg:
        with anyio.CancelScope() as scope:
            tg.start_soon(functools.partial(anyio.sleep, 0))
            scope.cancel()
            await tg.start(slow_start)
        assert scope.cancelled_caught
    assert child_cancelled.is_set()


async def test_start_soon_rejects_coroutine_object() -> None:
    async with TaskGroup() as tg:
        coro = returns(1)
        with pytest.raises(TypeError, match="coroutine object"):
            tg.start_soon(coro)  # type: ignore[arg-type]
        assert is_closed(coro)


async def test_start_soon_rejects_sync_function() -> None:
    async with TaskGroup() as tg:
        with pytest.raises(TypeError, match="not a coroutine"):
            tg.start_soon(lambda: 1)  # type: ignore[arg-type,return-value]


async def test_create_task_rejects_non_coroutine() -> None:
    async with TaskGroup() as tg:
        with pytest.raises(TypeError, match="call it"):
            tg.create_task(returns)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="expected a coroutine"):
            tg.create_task(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------- cancel()


async def test_cancel_exits_without_error() -> None:
    body_reached_end = False
    async with TaskGroup() as tg:
        child = tg.create_task(hangs())
        await anyio.wait_all_tasks_blocked()
        tg.cancel()
        assert "cancelling" in repr(tg)
        await anyio.sleep_forever()
        body_reached_end = True
    assert not body_reached_end
    assert child.cancelled()
    tg.cancel()  # after exit: nothing to do


async def test_cancel_from_a_child() -> None:
    async def canceller(tg: TaskGroup) -> None:
        await anyio.lowlevel.checkpoint()
        tg.cancel()

    async with TaskGroup() as tg:
        other = tg.create_task(hangs())
        tg.create_task(canceller(tg))
    assert other.cancelled()


async def test_cancel_before_enter() -> None:
    tg = TaskGroup()
    tg.cancel()
    async with tg:
        await anyio.sleep_forever()
    assert "state=closed" in repr(tg)


async def test_cancel_is_idempotent_and_keeps_outer_scope_working() -> None:
    with anyio.CancelScope() as outer:
        async with TaskGroup() as tg:
            tg.create_task(hangs())
            tg.cancel()
            tg.cancel()
        await anyio.lowlevel.checkpoint()
        outer.cancel()
        await anyio.sleep_forever()
    assert outer.cancelled_caught


async def test_cancel_with_child_error_still_reports_it() -> None:
    async def fail_when_cancelled() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            raise Boom

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(fail_when_cancelled())
            await anyio.wait_all_tasks_blocked()
            tg.cancel()
    assert leaf_types(info.value) == {Boom}


# ---------------------------------------------------------------- limit=


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        TaskGroup(limit=limit)


@pytest.mark.parametrize("limit", [1.5, "2", True])
def test_limit_must_be_an_int(limit: Any) -> None:
    with pytest.raises(TypeError, match="limit must be a positive int"):
        TaskGroup(limit=limit)


async def test_limit_bounds_concurrency_and_waiting_children_are_unstarted() -> None:
    running = 0
    peak = 0
    started: list[int] = []
    release = anyio.Event()

    async def worker(i: int) -> int:
        nonlocal running, peak
        started.append(i)
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        return i

    async with TaskGroup(limit=2, keep_results=True) as tg:
        for i in range(6):
            tg.create_task(worker(i))
        await anyio.wait_all_tasks_blocked()
        assert len(started) == 2
        assert "limit=2" in repr(tg)
        release.set()
    assert peak == 2
    assert tg.results() == list(range(6))


async def test_limit_waiting_children_closed_when_group_cancelled() -> None:
    ran: list[int] = []

    async def worker(i: int) -> None:
        ran.append(i)
        await anyio.sleep_forever()

    async with TaskGroup(limit=1) as tg:
        coros = [worker(i) for i in range(4)]
        handles = [tg.create_task(c) for c in coros]
        await anyio.wait_all_tasks_blocked()
        tg.cancel()
    assert len(ran) == 1
    assert all(h.cancelled() for h in handles)
    assert all(is_closed(c) for c in coros)


async def test_limit_waiting_child_cancelled_by_handle() -> None:
    async with TaskGroup(limit=1) as tg:
        first = tg.create_task(returns(1))
        coro = returns(2)
        second = tg.create_task(coro)
        second.cancel()
    assert first.result() == 1
    assert second.cancelled()
    assert is_closed(coro)


async def test_limit_with_supervisor_runs_everything() -> None:
    async def fail(i: int) -> None:
        await anyio.lowlevel.checkpoint()
        raise Boom(i)

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup(limit=1, cancel_on_error=False) as tg:
            for i in range(3):
                tg.create_task(fail(i))
            last = tg.create_task(returns("last"))
    assert len(info.value.exceptions) == 3
    assert last.result() == "last"


# ---------------------------------------------------------------- wait_create_task()


async def test_wait_create_task_applies_back_pressure() -> None:
    release = anyio.Event()
    added = 0

    async def waiter() -> None:
        await release.wait()

    async def producer(tg: TaskGroup) -> None:
        nonlocal added
        for _ in range(5):
            await tg.wait_create_task(waiter())
            added += 1

    async with TaskGroup(limit=2, keep_results=True) as tg, TaskGroup() as producers:
        producers.create_task(producer(tg))
        await anyio.wait_all_tasks_blocked()
        assert added == 2
        release.set()
    assert added == 5
    assert len(tg.results()) == 5


async def test_wait_create_task_without_limit_checkpoints() -> None:
    async with TaskGroup() as tg:
        with anyio.CancelScope() as scope:
            scope.cancel()
            coro = returns(1)
            with pytest.raises(anyio.get_cancelled_exc_class()):
                await tg.wait_create_task(coro)
        assert is_closed(coro)
        handle = await tg.wait_create_task(returns(2), name="two")
    assert handle.result() == 2
    assert handle.name == "two"


async def test_wait_create_task_cancelled_while_waiting_closes_coroutine() -> None:
    async with TaskGroup(limit=1) as tg:
        tg.create_task(hangs())
        await anyio.wait_all_tasks_blocked()
        coro = returns(1)
        with anyio.move_on_after(0):
            await tg.wait_create_task(coro)
        assert is_closed(coro)
        tg.cancel()


async def test_wait_create_task_refused_when_group_shuts_down_meanwhile() -> None:
    async def producer(tg: TaskGroup, coro: Any) -> None:
        with pytest.raises(RuntimeError, match="shutting down"):
            await tg.wait_create_task(coro)

    coro = returns(1)
    async with TaskGroup(limit=1) as tg, TaskGroup() as producers:
        tg.create_task(hangs())
        await anyio.wait_all_tasks_blocked()
        producers.create_task(producer(tg, coro))
        await anyio.wait_all_tasks_blocked()
        tg.cancel()
    assert is_closed(coro)


async def test_wait_create_task_refused_when_group_shuts_down_while_waiting() -> None:
    # The producer runs outside the limited group, so only the group's refusal
    # (not a cancellation) can stop it.
    outcome: list[str] = []

    async def producer(tg: TaskGroup, coro: Any) -> None:
        try:
            await tg.wait_create_task(coro)
        except RuntimeError as exc:
            outcome.append(str(exc))

    coro = returns(1)
    async with TaskGroup() as producers, TaskGroup(limit=1) as tg:
        tg.create_task(hangs())
        await anyio.wait_all_tasks_blocked()
        producers.create_task(producer(tg, coro))
        await anyio.wait_all_tasks_blocked()
        tg.cancel()
    assert len(outcome) == 1
    assert "shutting down" in outcome[0] or "is finished" in outcome[0]
    assert is_closed(coro)


async def test_wait_create_task_child_cancelled_at_once_frees_its_slot() -> None:
    async with TaskGroup(limit=1) as tg:
        first = await tg.wait_create_task(returns(1))
        first.cancel()
        second = await tg.wait_create_task(returns(2))
    assert first.cancelled()
    assert second.result() == 2


async def test_limited_child_keyboard_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt):
        async with TaskGroup(limit=2) as tg:
            tg.create_task(raises(KeyboardInterrupt()))
            tg.create_task(hangs())


async def test_start_soon_propagates_call_errors() -> None:
    async def takes_one(x: int) -> int:
        return x  # pragma: no cover

    async with TaskGroup() as tg:
        with pytest.raises(TypeError, match="positional argument"):
            tg.start_soon(takes_one)  # type: ignore[arg-type]


async def test_cancel_start_soon_child_on_trio_is_refused(anyio_backend_name: str) -> None:
    async with TaskGroup() as tg:
        handle = tg.start_soon(hangs)
        await anyio.wait_all_tasks_blocked()
        if anyio_backend_name == "trio":
            with pytest.raises(RuntimeError, match="cannot be cancelled on its own"):
                handle.cancel()
            tg.cancel()
        else:
            assert handle.cancel()
    assert handle.cancelled()


async def test_handle_awaited_by_several_waiters() -> None:
    release = anyio.Event()

    async def slow() -> str:
        await release.wait()
        return "v"

    got: list[str] = []

    async def waiter(handle: Any) -> None:
        got.append(await handle)

    async with TaskGroup() as tg:
        handle = tg.create_task(slow())
        tg.create_task(waiter(handle))
        tg.create_task(waiter(handle))
        await anyio.wait_all_tasks_blocked()
        release.set()
    assert got == ["v", "v"]
    assert await handle == "v"


async def test_start_soon_handle_awaited_before_the_child_returns() -> None:
    release = anyio.Event()

    async def slow(value: str) -> str:
        await release.wait()
        return value

    got: list[str] = []

    async def waiter(handle: Any) -> None:
        got.append(await handle)

    async with TaskGroup() as tg:
        handle = tg.start_soon(slow, "v")
        tg.start_soon(waiter, handle)
        await anyio.wait_all_tasks_blocked()
        assert not handle.done()
        release.set()
    assert got == ["v"]
    assert handle.result() == "v"


async def test_cancel_child_running_in_explicit_context() -> None:
    import contextvars

    ctx = contextvars.copy_context()
    async with TaskGroup() as tg:
        handle = tg.create_task(hangs(), context=ctx)
        await anyio.wait_all_tasks_blocked()
        handle.cancel()
    assert handle.cancelled()


async def test_limit_applies_to_start_soon_and_start() -> None:
    async def ready(*, task_status: TaskStatus[str]) -> None:
        task_status.started("up")

    async with TaskGroup(limit=1, keep_results=False) as tg:
        first = tg.start_soon(returns, 1)
        second = tg.start_soon(returns, 2)
        assert await tg.start(ready) == "up"
    assert (first.result(), second.result()) == (1, 2)


async def test_child_in_explicit_context_created_just_before_shutdown_runs() -> None:
    import contextvars

    entered: list[str] = []

    async def child() -> None:
        entered.append("start")
        await anyio.sleep_forever()

    with pytest.raises(ExceptionGroup):
        async with TaskGroup() as tg:
            tg.create_task(child(), context=contextvars.copy_context())
            raise Boom
    assert entered == ["start"]
