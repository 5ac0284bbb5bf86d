"""TaskGroup's state machine: entering, refusing children, closing coroutines."""

# A task group is a block: pytest.raises() has to hold the whole of it.
# ruff: noqa: PT012

from __future__ import annotations

import sys
import warnings

import anyio
import pytest

from asynckit import TaskGroup
from tests._taskgroup_helpers import Boom, collect_garbage, hangs, is_closed, returns

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]


def test_repr_of_new_group() -> None:
    assert repr(TaskGroup()) == "<asynckit.TaskGroup state=new>"
    assert repr(TaskGroup(limit=3, cancel_on_error=False)) == (
        "<asynckit.TaskGroup state=new limit=3 supervisor>"
    )


def test_create_task_before_enter_closes_coroutine() -> None:
    tg = TaskGroup()
    coro = returns(1)
    with pytest.raises(RuntimeError, match=r"TaskGroup <asynckit.TaskGroup state=new> has not"):
        tg.create_task(coro)
    assert is_closed(coro)


async def test_enter_twice() -> None:
    tg = TaskGroup()
    async with tg:
        with pytest.raises(RuntimeError, match="has already been entered"):
            async with tg:
                pass  # pragma: no cover
    with pytest.raises(RuntimeError, match="has already been entered"):
        async with tg:
            pass  # pragma: no cover


async def test_create_task_after_exit_closes_coroutine() -> None:
    async with TaskGroup() as tg:
        pass
    coro = returns(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="is finished: it is closed"):
            tg.create_task(coro)
        assert is_closed(coro)
        with pytest.raises(RuntimeError, match="is finished"):
            tg.start_soon(returns, 1)
        with pytest.raises(RuntimeError, match="is finished"):
            await tg.start(returns, 1)
        coro = returns(2)
        with pytest.raises(RuntimeError, match="is finished"):
            await tg.wait_create_task(coro)
        assert is_closed(coro)
        collect_garbage()


async def test_create_task_while_shutting_down_closes_coroutine() -> None:
    # python/cpython#115957: the refused coroutine is closed, on every Python.
    refused: list[object] = []

    async def late_spawner(tg: TaskGroup) -> None:
        try:
            await anyio.sleep_forever()
        finally:
            coro = returns(1)
            refused.append(coro)
            with pytest.raises(RuntimeError, match="is shutting down"):
                tg.create_task(coro)

    async def fail() -> None:
        await anyio.lowlevel.checkpoint()
        raise Boom

    with pytest.raises(ExceptionGroup):
        async with TaskGroup() as tg:
            tg.create_task(late_spawner(tg))
            await anyio.wait_all_tasks_blocked()
            tg.create_task(fail())
    assert len(refused) == 1
    assert is_closed(refused[0])  # type: ignore[arg-type]
    coro = returns(3)
    with pytest.raises(RuntimeError, match="is finished"):
        tg.create_task(coro)
    assert is_closed(coro)


async def test_create_task_after_cancel_is_refused() -> None:
    async with TaskGroup() as tg:
        tg.create_task(hangs())
        tg.cancel()
        coro = returns(1)
        with pytest.raises(RuntimeError, match="is shutting down"):
            tg.create_task(coro)
        assert is_closed(coro)


async def test_states_in_repr() -> None:
    tg = TaskGroup()
    seen: list[str] = []

    async def watch() -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(repr(tg))

    async with tg:
        seen.append(repr(tg))
        tg.create_task(watch())
    seen.append(repr(tg))
    assert "state=open" in seen[0]
    assert "state=exiting" in seen[1]
    assert "state=closed" in seen[2]


async def test_child_cancelled_before_it_starts_still_runs_to_first_await() -> None:
    # python/cpython#116048: a child created just before the group shuts down
    # runs up to its first await and sees the cancellation there (as in trio),
    # rather than silently never running.
    entered: list[str] = []

    async def child() -> None:
        entered.append("start")
        try:
            await anyio.sleep_forever()
        finally:
            entered.append("cleanup")

    with pytest.raises(ExceptionGroup):
        async with TaskGroup() as tg:
            handle = tg.create_task(child())
            raise Boom
    assert entered == ["start", "cleanup"]
    assert handle.cancelled()


async def test_no_warnings_or_leaks_on_any_path() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExceptionGroup):
            async with TaskGroup(limit=2) as tg:
                for _ in range(5):
                    tg.create_task(hangs())
                tg.create_task(returns(1))
                raise Boom
        collect_garbage()
