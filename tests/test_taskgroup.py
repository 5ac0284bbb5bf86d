"""TaskGroup on every backend: children, handles, errors, cancellation."""

# A task group is a block: pytest.raises() has to hold the whole of it.
# ruff: noqa: PT012

from __future__ import annotations

import asyncio
import contextvars
import sys

import anyio
import pytest

from asynckit import TaskGroup, TaskHandle
from tests._taskgroup_helpers import Boom, hangs, leaf_types, raises, returns

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup  # type: ignore[import-not-found,unused-ignore]


async def test_results_in_creation_order() -> None:
    async with TaskGroup(keep_results=True) as tg:
        handles = [tg.create_task(returns(i)) for i in range(5)]
        handles.append(tg.start_soon(returns, 5))
    assert tg.results() == [0, 1, 2, 3, 4, 5]
    assert tg.handles == handles
    assert [await h for h in handles] == [0, 1, 2, 3, 4, 5]


async def test_empty_group() -> None:
    async with TaskGroup(keep_results=True) as tg:
        pass
    assert tg.results() == []
    assert "state=closed" in repr(tg)


async def test_handle_api_while_running_and_after() -> None:
    release = anyio.Event()

    async def child() -> str:
        await release.wait()
        return "done"

    async with TaskGroup() as tg:
        handle = tg.create_task(child(), name="worker")
        assert isinstance(handle, TaskHandle)
        assert handle.name == handle.get_name() == "worker"
        await anyio.wait_all_tasks_blocked()
        assert not handle.done()
        assert not handle.cancelled()
        with pytest.raises(asyncio.InvalidStateError):
            handle.result()
        with pytest.raises(asyncio.InvalidStateError):
            handle.exception()
        assert "state=pending" in repr(handle)
        assert "state=open" in repr(tg)
        assert "tasks=1" in repr(tg)
        release.set()
        assert await handle == "done"
    assert handle.done()
    assert handle.result() == "done"
    assert handle.exception() is None
    assert "state=finished" in repr(handle)
    assert not handle.cancel()


async def test_cancel_one_child_only() -> None:
    async with TaskGroup(keep_results=True) as tg:
        victim = tg.create_task(hangs())
        other = tg.create_task(returns(1))
        await anyio.wait_all_tasks_blocked()
        assert victim.cancel()
    assert victim.cancelled()
    assert "state=cancelled" in repr(victim)
    with pytest.raises(asyncio.CancelledError):
        victim.result()
    with pytest.raises(asyncio.CancelledError):
        victim.exception()
    assert other.result() == 1
    with pytest.raises(RuntimeError, match="was cancelled"):
        tg.results()


async def test_child_error_cancels_siblings_and_body() -> None:
    body_cancelled = False
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup(keep_results=True) as tg:
            sibling = tg.create_task(hangs())
            failing = tg.create_task(raises(Boom("x")))
            try:
                await anyio.sleep_forever()
            except anyio.get_cancelled_exc_class():
                body_cancelled = True
                raise
    assert leaf_types(info.value) == {Boom}
    assert info.value.message == "unhandled errors in a TaskGroup"
    assert body_cancelled
    assert sibling.cancelled()
    assert isinstance(failing.exception(), Boom)
    assert "state=failed" in repr(failing)
    with pytest.raises(Boom):
        failing.result()
    with pytest.raises(Boom):
        await failing
    with pytest.raises(RuntimeError, match="was cancelled"):
        tg.results()


async def test_body_error_cancels_children() -> None:
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            child = tg.create_task(hangs())
            await anyio.wait_all_tasks_blocked()
            raise Boom
    assert leaf_types(info.value) == {Boom}
    assert child.cancelled()


async def test_several_errors_are_all_reported() -> None:
    gate = anyio.Event()

    async def fail_after_gate(exc: BaseException) -> None:
        try:
            await gate.wait()
        finally:
            raise exc

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(fail_after_gate(Boom()))
            tg.create_task(fail_after_gate(ValueError()))
            await anyio.wait_all_tasks_blocked()
            gate.set()
    assert leaf_types(info.value) == {Boom, ValueError}


async def test_nested_groups() -> None:
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup() as outer:
            outer.create_task(hangs())
            async with TaskGroup() as inner:
                inner.create_task(raises(Boom()))
    (nested,) = info.value.exceptions
    assert isinstance(nested, ExceptionGroup)
    assert leaf_types(nested) == {Boom}


async def test_outside_cancellation_propagates_bare() -> None:
    cancelled = 0

    async def child() -> None:
        nonlocal cancelled
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled += 1
            raise

    with anyio.CancelScope() as scope:
        async with TaskGroup() as tg:
            for _ in range(3):
                tg.create_task(child())
            await anyio.wait_all_tasks_blocked()
            scope.cancel()
    assert scope.cancelled_caught
    assert cancelled == 3


async def test_outside_cancellation_while_exiting() -> None:
    with anyio.CancelScope() as scope:
        async with TaskGroup() as tg:
            child = tg.create_task(hangs())
            tg.create_task(returns(0))
            scope.cancel()
    assert scope.cancelled_caught
    assert child.cancelled()


async def test_error_and_outside_cancellation_are_both_kept() -> None:
    # A child fails while the group handles an outside cancellation: the error
    # wins in the ExceptionGroup, and the cancellation is not lost: the
    # enclosing scope still catches it at the next checkpoint.
    after_group = False

    async def fail_when_cancelled() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            raise Boom

    with anyio.CancelScope() as scope:
        with pytest.raises(ExceptionGroup) as info:
            async with TaskGroup() as tg:
                tg.create_task(fail_when_cancelled())
                await anyio.wait_all_tasks_blocked()
                scope.cancel()
                await anyio.sleep_forever()
        await anyio.sleep_forever()
        after_group = True
    assert leaf_types(info.value) == {Boom}
    assert scope.cancelled_caught
    assert not after_group


async def test_timeout_around_group() -> None:
    with anyio.move_on_after(0) as scope:
        async with TaskGroup() as tg:
            handle = tg.create_task(hangs())
    assert scope.cancelled_caught
    assert handle.cancelled()


async def test_children_may_add_siblings_while_exiting() -> None:
    async def spawner(tg: TaskGroup, depth: int) -> int:
        await anyio.lowlevel.checkpoint()
        if depth:
            tg.create_task(spawner(tg, depth - 1))
        return depth

    async with TaskGroup(keep_results=True) as tg:
        tg.create_task(spawner(tg, 3))
    assert sorted(tg.results()) == [0, 1, 2, 3]


async def test_task_context() -> None:
    var: contextvars.ContextVar[int] = contextvars.ContextVar("var", default=0)

    async def setter(value: int) -> int:
        await anyio.lowlevel.checkpoint()
        var.set(value)
        await anyio.lowlevel.checkpoint()
        return var.get()

    ctx = contextvars.copy_context()
    async with TaskGroup() as tg:
        first = tg.create_task(setter(1), context=ctx)
        assert await first == 1
        assert ctx[var] == 1
        second = tg.create_task(setter(2), context=ctx)
    assert second.result() == 2
    assert ctx[var] == 2
    assert var.get() == 0


async def test_names() -> None:
    async with TaskGroup() as tg:
        named = tg.create_task(returns(1), name="one")
        started = tg.start_soon(returns, 2, name="two")
    assert named.get_name() == "one"
    assert started.name == "two"


@pytest.mark.parametrize("keep_results", [{}, {"keep_results": False}])
async def test_results_need_keep_results(keep_results: dict[str, bool]) -> None:
    async with TaskGroup(**keep_results) as tg:
        handle = tg.create_task(returns(1))
    assert handle.result() == 1
    with pytest.raises(RuntimeError, match=r"TaskGroup\(keep_results=True\)"):
        tg.results()
    with pytest.raises(RuntimeError, match=r"TaskGroup\(keep_results=True\)"):
        _ = tg.handles


async def test_results_before_exit() -> None:
    async with TaskGroup(keep_results=True) as tg:
        with pytest.raises(RuntimeError, match="has not exited"):
            tg.results()


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, SystemExit])
async def test_base_error_in_child_propagates_alone(exc_type: type[BaseException]) -> None:
    with pytest.raises(exc_type):
        async with TaskGroup() as tg:
            sibling = tg.create_task(hangs())
            failing = tg.create_task(raises(exc_type()))
            await anyio.sleep_forever()
    assert sibling.cancelled()
    assert isinstance(failing.exception(), exc_type)
    with pytest.raises(exc_type):
        failing.result()
    with pytest.raises(exc_type):
        await failing


async def test_base_exception_subclass_is_grouped() -> None:
    class MyBase(BaseException):
        pass

    with pytest.raises(BaseExceptionGroup) as info:
        async with TaskGroup() as tg:
            tg.create_task(raises(MyBase()))
    assert leaf_types(info.value) == {MyBase}


async def test_supervisor_mode_keeps_siblings_running() -> None:
    release = anyio.Event()

    async def waits() -> str:
        await release.wait()
        return "survived"

    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup(cancel_on_error=False, keep_results=True) as tg:
            survivor = tg.create_task(waits())
            tg.create_task(raises(Boom()))
            tg.create_task(raises(ValueError()))
            await anyio.wait_all_tasks_blocked()
            assert "supervisor" in repr(tg)
            release.set()
    assert leaf_types(info.value) == {Boom, ValueError}
    assert survivor.result() == "survived"
    with pytest.raises(RuntimeError, match=r"#1 .* failed") as failed:
        tg.results()
    assert isinstance(failed.value.__cause__, Boom)


async def test_supervisor_mode_body_error_cancels_children() -> None:
    with pytest.raises(ExceptionGroup) as info:
        async with TaskGroup(cancel_on_error=False) as tg:
            child = tg.create_task(hangs())
            tg.create_task(raises(ValueError()))
            await anyio.wait_all_tasks_blocked()
            raise Boom
    assert leaf_types(info.value) == {Boom, ValueError}
    assert child.cancelled()


async def test_supervisor_mode_outside_cancellation_with_errors() -> None:
    with anyio.CancelScope() as scope, pytest.raises(ExceptionGroup) as info:
        async with TaskGroup(cancel_on_error=False) as tg:
            tg.create_task(raises(ValueError()))
            tg.create_task(hangs())
            await anyio.wait_all_tasks_blocked()
            scope.cancel()
            await anyio.sleep_forever()
    assert leaf_types(info.value) == {ValueError}


async def test_supervisor_mode_base_error_cancels_everything() -> None:
    with pytest.raises(SystemExit):
        async with TaskGroup(cancel_on_error=False) as tg:
            child = tg.create_task(hangs())
            tg.create_task(raises(SystemExit(3)))
    assert child.cancelled()
