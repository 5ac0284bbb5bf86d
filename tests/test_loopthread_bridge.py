"""LoopThread.enter and LoopThread.iterate: async context managers and iterators from sync code."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from asynckit import LoopThread, LoopThreadClosedError
from tests._loopthread_helpers import flavour_fixture, loop_thread_fixture  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator


class Resource:
    """An async context manager that records how it was exited, and in which task."""

    def __init__(self, suppress: bool = False) -> None:
        self.suppress = suppress
        self.exited_with: list[type[BaseException] | None] = []
        self.tasks: list[object] = []

    async def __aenter__(self) -> Resource:  # noqa: PYI034
        self.tasks.append(anyio.get_current_task().id)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> bool:
        self.tasks.append(anyio.get_current_task().id)
        self.exited_with.append(exc_type)
        return self.suppress


def test_enter_runs_both_halves_in_one_task(loop_thread: LoopThread) -> None:
    resource = Resource()
    with loop_thread.enter(resource) as entered:
        assert entered is resource
    assert resource.exited_with == [None]
    assert resource.tasks[0] == resource.tasks[1]


def test_enter_keeps_cancel_scopes_working(loop_thread: LoopThread) -> None:
    @asynccontextmanager
    async def with_deadline() -> AsyncIterator[str]:
        with anyio.fail_after(60):
            yield "inside"

    with loop_thread.enter(with_deadline()) as value:
        assert value == "inside"


def test_enter_passes_the_exception_to_aexit(loop_thread: LoopThread) -> None:
    resource = Resource()
    with pytest.raises(KeyError), loop_thread.enter(resource):
        raise KeyError("body")
    assert resource.exited_with == [KeyError]


def test_enter_propagates_the_exception_reraised_by_aexit(loop_thread: LoopThread) -> None:
    @asynccontextmanager
    async def reraising() -> AsyncIterator[None]:
        yield

    error = KeyError("body")
    with pytest.raises(KeyError) as info, loop_thread.enter(reraising()):
        raise error
    assert info.value is error


def test_enter_can_suppress(loop_thread: LoopThread) -> None:
    resource = Resource(suppress=True)
    with loop_thread.enter(resource):
        raise KeyError("suppressed")
    assert resource.exited_with == [KeyError]


def test_enter_reports_errors_of_aenter_and_aexit(loop_thread: LoopThread) -> None:
    class FailsOnEnter:
        async def __aenter__(self) -> None:
            raise OSError("cannot connect")

        async def __aexit__(self, *exc_info: object) -> None:
            raise AssertionError("not entered")  # pragma: no cover

    with pytest.raises(OSError, match="cannot connect"), loop_thread.enter(FailsOnEnter()):
        pass  # pragma: no cover

    @asynccontextmanager
    async def fails_on_exit() -> AsyncIterator[None]:
        yield
        raise OSError("cannot disconnect")

    with pytest.raises(OSError, match="cannot disconnect"), loop_thread.enter(fails_on_exit()):
        pass


def test_enter_checks_its_argument_and_single_use(loop_thread: LoopThread) -> None:
    @contextmanager
    def sync_cm() -> Iterator[None]:
        yield  # pragma: no cover

    with pytest.raises(TypeError, match=r"expected an async context manager.*use it directly"):
        loop_thread.enter(sync_cm())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected an async context manager, got 1$"):
        loop_thread.enter(1)  # type: ignore[arg-type]
    manager = loop_thread.enter(Resource())
    with manager, pytest.raises(RuntimeError, match="already entered"):
        manager.__enter__()


def test_enter_and_iterate_on_the_loop_thread_raise(loop_thread: LoopThread) -> None:
    def inside() -> None:
        with loop_thread.enter(Resource()):
            pass  # pragma: no cover

    with pytest.raises(RuntimeError, match=r"LoopThread\.enter\(\) was called on the"):
        loop_thread.call(inside)

    def iterate_inside() -> None:
        next(loop_thread.iterate(numbers(3)))

    with pytest.raises(RuntimeError, match=r"LoopThread\.iterate\(\) was called on the"):
        loop_thread.call(iterate_inside)


def test_close_during_enter_exits_the_context_manager(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    resource = Resource()
    with pytest.raises(LoopThreadClosedError), loop_thread.enter(resource):
        loop_thread.close()
    assert len(resource.exited_with) == 1
    assert resource.exited_with[0] is not None  # the cancellation


async def numbers(count: int, closed: threading.Event | None = None) -> AsyncIterator[int]:
    try:
        for number in range(count):
            await anyio.lowlevel.checkpoint()
            yield number
    finally:
        if closed is not None:
            closed.set()


def test_iterate_yields_every_item(loop_thread: LoopThread) -> None:
    assert list(loop_thread.iterate(numbers(5))) == [0, 1, 2, 3, 4]
    assert list(loop_thread.iterate(numbers(0))) == []


def test_breaking_out_closes_the_async_generator(loop_thread: LoopThread) -> None:
    closed = threading.Event()
    items = loop_thread.iterate(numbers(100, closed))
    for number in items:
        if number == 2:
            break
    items.close()
    assert closed.is_set()
    assert loop_thread.statistics().tasks_running == 0


def test_an_unstarted_iteration_starts_nothing(loop_thread: LoopThread) -> None:
    items = loop_thread.iterate(numbers(3))
    items.close()
    assert loop_thread.statistics().tasks_running == 0


def test_iterate_keeps_cancel_scopes_across_yields(loop_thread: LoopThread) -> None:
    async def scoped() -> AsyncIterator[int]:
        with anyio.fail_after(60):
            for number in range(3):
                yield number

    assert list(loop_thread.iterate(scoped())) == [0, 1, 2]


def test_iterate_reraises_the_iterators_error(loop_thread: LoopThread) -> None:
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise ValueError("broken stream")

    items = loop_thread.iterate(failing())
    assert next(items) == 1
    with pytest.raises(ValueError, match="broken stream"):
        next(items)


def test_iterate_accepts_plain_async_iterators(loop_thread: LoopThread) -> None:
    class Countdown:
        def __init__(self) -> None:
            self.left = 3

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> int:
            if not self.left:
                raise StopAsyncIteration
            self.left -= 1
            return self.left

    assert list(loop_thread.iterate(Countdown())) == [2, 1, 0]
    items = loop_thread.iterate(Countdown())
    assert next(items) == 2
    items.close()


def test_iterate_checks_its_argument(loop_thread: LoopThread) -> None:
    with pytest.raises(TypeError, match=r"expected an async iterable.*iterate over it directly"):
        loop_thread.iterate([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected an async iterable, got 3$"):
        loop_thread.iterate(3)  # type: ignore[arg-type]


def test_close_during_iteration(flavour: dict[str, Any]) -> None:
    loop_thread = LoopThread(**flavour)
    loop_thread.start()
    closed = threading.Event()
    items = loop_thread.iterate(numbers(100, closed))
    assert next(items) == 0
    loop_thread.close()
    assert closed.is_set()
    with pytest.raises(LoopThreadClosedError):
        next(items)


def test_enter_when_aexit_raises_the_body_exception_itself(loop_thread: LoopThread) -> None:
    class Reraises:
        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
            if exc is not None:
                raise exc

    error = KeyError("body")
    with pytest.raises(KeyError) as info, loop_thread.enter(Reraises()):
        raise error
    assert info.value is error
