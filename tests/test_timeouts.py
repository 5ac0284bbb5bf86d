"""timeout, timeout_at, move_on_after, move_on_at and with_timeout on every backend.

Time is virtual (see tests/_virtual_time.py): a fast-forwarding asyncio loop and
trio's MockClock, so deadlines are exact and nothing really sleeps.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import anyio
import pytest

import asynckit
from tests._virtual_time import VIRTUAL_TIME_BACKENDS

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup  # type: ignore[import-not-found,unused-ignore]


@pytest.fixture(params=VIRTUAL_TIME_BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


def cancelled_exc() -> type[BaseException]:
    return anyio.get_cancelled_exc_class()


async def test_timeout_expires_at_its_deadline() -> None:
    start = anyio.current_time()
    with pytest.raises(TimeoutError) as info:  # noqa: PT012
        async with asynckit.timeout(10) as cm:
            assert repr(cm) == f"<Timeout [active] when={round(start + 10, 3)}>"
            await anyio.sleep(3600)
    assert anyio.current_time() == pytest.approx(start + 10)
    assert type(info.value) is TimeoutError
    assert isinstance(info.value.__cause__, cancelled_exc())
    assert cm.expired()
    assert cm.cancelled_caught
    assert cm.when() == pytest.approx(start + 10)
    assert repr(cm) == "<Timeout [expired]>"


async def test_timeout_not_reached() -> None:
    cm = asynckit.timeout(10)
    assert repr(cm) == "<Timeout [created]>"
    async with cm:
        await anyio.sleep(9)
    assert not cm.expired()
    assert not cm.cancelled_caught
    assert repr(cm) == "<Timeout [finished]>"


async def test_timeout_none_never_fires_until_rescheduled() -> None:
    async with asynckit.timeout(None) as cm:
        assert cm.when() is None
        assert cm.deadline == math.inf
        await anyio.sleep(3600)
    assert not cm.expired()
    start = anyio.current_time()
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(None) as cm:
            cm.reschedule(anyio.current_time() + 5)
            await anyio.sleep(3600)
    assert anyio.current_time() == pytest.approx(start + 5)


async def test_deadline_property_reschedules() -> None:
    async with asynckit.timeout(1) as cm:
        cm.deadline = anyio.current_time() + 100
        assert cm.when() == pytest.approx(anyio.current_time() + 100)
        await anyio.sleep(50)
        cm.deadline = math.inf
        assert cm.when() is None
        await anyio.sleep(3600)
    assert not cm.expired()


@pytest.mark.parametrize("delay", [0, -5])
async def test_zero_or_past_delay_cancels_at_first_checkpoint(delay: float) -> None:
    reached = []
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(delay) as cm:
            reached.append("before")
            await anyio.lowlevel.checkpoint()
            reached.append("after")  # pragma: no cover - must not run
    assert reached == ["before"]
    assert cm.expired()


async def test_timeout_at_past_deadline() -> None:
    with pytest.raises(TimeoutError):
        async with asynckit.timeout_at(anyio.current_time() - 1):
            await anyio.lowlevel.checkpoint()


async def test_timeout_zero_keeps_pending_outside_cancellation() -> None:
    # python/cpython#134471: the outer cancellation was requested first; it must
    # propagate, not be reported (and swallowed) as a timeout.
    with anyio.CancelScope() as outer:
        outer.cancel()
        async with asynckit.timeout(0):
            await anyio.sleep(1)
        pytest.fail("the outer cancellation was swallowed")  # pragma: no cover
    assert outer.cancelled_caught


async def test_nested_inner_expires_first() -> None:
    async with asynckit.timeout(100) as outer:
        with pytest.raises(TimeoutError):
            async with asynckit.timeout(1) as inner:
                await anyio.sleep(3600)
        await anyio.sleep(10)
    assert inner.expired()
    assert not outer.expired()


async def test_nested_timeouts_same_deadline_outer_wins() -> None:
    deadline = anyio.current_time() + 5
    inner_saw: list[type[BaseException]] = []
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout_at(deadline) as outer:
            try:
                async with asynckit.timeout_at(deadline) as inner:
                    await anyio.sleep(3600)
            except BaseException as exc:
                inner_saw.append(type(exc))
                raise
    assert inner_saw == [cancelled_exc()]
    assert outer.cancelled_caught
    assert not inner.cancelled_caught


async def test_nested_outer_expires_while_inner_active() -> None:
    with pytest.raises(TimeoutError):
        async with asynckit.timeout(1) as outer, asynckit.timeout(100) as inner:
            await anyio.sleep(3600)
    assert outer.cancelled_caught
    assert not inner.expired()


async def test_timeout_around_task_group_raises_timeout_error() -> None:
    async def forever() -> None:
        await anyio.sleep(math.inf)

    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1), anyio.create_task_group() as tg:
            tg.start_soon(forever)
            tg.start_soon(forever)
            await forever()


async def test_error_during_cancellation_wins_and_shows_timeout_context() -> None:
    with pytest.raises(ZeroDivisionError) as info:  # noqa: PT012
        async with asynckit.timeout(1) as cm:
            try:
                await anyio.sleep(10)
            finally:
                1 / 0  # noqa: B018
    assert cm.expired()
    assert not cm.cancelled_caught
    assert info.value.__context__ is not None


async def test_foreign_error_is_not_touched() -> None:
    with pytest.raises(KeyError):
        async with asynckit.timeout(1) as cm:
            raise KeyError("x")
    assert not cm.expired()


async def test_move_on_after_swallows_its_own_timeout() -> None:
    start = anyio.current_time()
    async with asynckit.move_on_after(3) as scope:
        assert "move_on" in repr(scope)
        await anyio.sleep(3600)
    assert scope.cancelled_caught
    assert scope.expired()
    assert anyio.current_time() == pytest.approx(start + 3)
    async with asynckit.move_on_at(anyio.current_time() + 3) as scope:
        await anyio.sleep(1)
    assert not scope.cancelled_caught
    assert not scope.expired()


async def test_move_on_after_lets_outside_cancellation_through() -> None:
    with anyio.CancelScope() as outer:
        async with asynckit.move_on_after(10) as inner:
            outer.cancel()
            await anyio.sleep(3600)
        pytest.fail("outside cancellation swallowed")  # pragma: no cover
    assert outer.cancelled_caught
    assert not inner.cancelled_caught


async def test_move_on_after_around_task_group() -> None:
    async with asynckit.move_on_after(1) as scope, anyio.create_task_group() as tg:
        tg.start_soon(anyio.sleep, math.inf)
        await anyio.sleep(math.inf)
    assert scope.cancelled_caught


async def test_with_timeout_decorator() -> None:
    @asynckit.with_timeout(5)
    async def work(seconds: float, *, result: str) -> str:
        await anyio.sleep(seconds)
        return result

    assert work.__name__ == "work"
    assert await work(1, result="done") == "done"
    with pytest.raises(TimeoutError):
        await work(10, result="late")


async def test_with_timeout_none_means_no_limit() -> None:
    @asynckit.with_timeout(None)
    async def work() -> int:
        await anyio.sleep(3600)
        return 1

    assert await work() == 1


def test_with_timeout_misuse() -> None:
    async def coro_fn() -> None:
        pass

    with pytest.raises(TypeError, match=r"@with_timeout\(5\)"):
        asynckit.with_timeout(coro_fn)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="decorates async functions"):
        asynckit.with_timeout(1)(lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="with_timeout\\(\\): delay must not be NaN"):
        asynckit.with_timeout(math.nan)


def test_with_timeout_accepts_async_callable_objects() -> None:
    class Job:
        async def __call__(self) -> int:
            return 1

    assert asynckit.with_timeout(1)(Job()) is not None


async def test_bad_arguments_name_the_argument() -> None:
    with pytest.raises(ValueError, match=r"timeout\(\): delay must not be NaN"):
        asynckit.timeout(math.nan)
    with pytest.raises(ValueError, match=r"move_on_after\(\): delay must not be NaN"):
        asynckit.move_on_after(math.nan)
    with pytest.raises(ValueError, match=r"timeout_at\(\): when must not be NaN"):
        asynckit.timeout_at(math.nan)
    with pytest.raises(TypeError, match=r"timeout\(\): delay must be a real number.*'soon'"):
        asynckit.timeout("soon")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"move_on_at\(\): when must be a real number"):
        asynckit.move_on_at(True)
    with pytest.raises(TypeError, match="real number"):
        asynckit.timeout_at(1j)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="real number"):
        asynckit.timeout_at(object())  # type: ignore[arg-type]
    async with asynckit.timeout(1) as cm:
        with pytest.raises(ValueError, match="reschedule"):
            cm.reschedule(math.nan)


async def test_decimal_like_numbers_are_accepted() -> None:
    from fractions import Fraction

    async with asynckit.timeout_at(Fraction(10**9)) as cm:  # type: ignore[arg-type]
        await anyio.lowlevel.checkpoint()
    assert cm.when() == 10**9


async def test_lifecycle_errors_name_the_scope() -> None:
    cm = asynckit.timeout(1)
    with pytest.raises(RuntimeError, match=r"<Timeout \[created\]> has not been entered"):
        cm.reschedule(1)
    async with cm:
        with pytest.raises(RuntimeError, match="has already been entered"):
            async with cm:
                pass  # pragma: no cover
    with pytest.raises(RuntimeError, match="finished"):
        cm.reschedule(1)
    with pytest.raises(RuntimeError, match="has already been entered"):
        async with cm:
            pass  # pragma: no cover
    with pytest.raises(RuntimeError, match="is not active"):
        await cm.__aexit__(None, None, None)


async def test_expiring_scope_cannot_be_rescheduled() -> None:
    with pytest.raises(TimeoutError):  # noqa: PT012
        async with asynckit.timeout(1) as cm:
            try:
                await anyio.sleep(10)
            except cancelled_exc():
                assert cm.expired()
                assert "expiring" in repr(cm)
                with pytest.raises(RuntimeError, match="expiring"):
                    cm.reschedule(anyio.current_time() + 10)
                raise
    with pytest.raises(RuntimeError, match="expired"):
        cm.reschedule(1)


def test_outside_async_code_without_trio_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "trio", raising=False)
    with pytest.raises(RuntimeError, match=r"timeout_at\(\) must be called from async code"):
        asynckit.timeout_at(1)


def test_outside_async_code() -> None:
    with pytest.raises(RuntimeError, match=r"timeout\(\) must be called from async code"):
        asynckit.timeout(1)
    with pytest.raises(RuntimeError, match=r"move_on_at\(\) must be called from async code"):
        asynckit.move_on_at(1)


async def test_group_of_errors_keeps_errors() -> None:
    async def crash() -> None:
        try:
            await anyio.sleep(10)
        finally:
            raise ValueError("cleanup failed")

    with pytest.raises(BaseExceptionGroup) as info:  # noqa: PT012
        async with asynckit.timeout(1), anyio.create_task_group() as tg:
            tg.start_soon(crash)
            await anyio.sleep(10)
    assert info.value.subgroup(ValueError) is not None


def test_exception_group_import_used() -> None:
    assert issubclass(ExceptionGroup, BaseExceptionGroup)


def test_timeout_has_no_public_constructor() -> None:
    with pytest.raises(TypeError, match=r"use asynckit.timeout\(\)"):
        asynckit.Timeout(1)


def test_trio_as_a_guest_of_asyncio_gets_trio_scopes() -> None:
    # In trio's guest mode an asyncio loop is running in the thread too; the
    # scopes must still be trio's (sniffio says which library runs the task).
    trio = pytest.importorskip("trio")
    import asyncio

    async def trio_main() -> None:
        with pytest.raises(TimeoutError):
            async with asynckit.timeout(0) as cm:
                await trio.sleep(10)
        assert cm.cancelled_caught
        async with asynckit.move_on_at(trio.current_time()) as scope:
            await trio.sleep(10)
        assert scope.cancelled_caught

        async def answer() -> int:
            await trio.sleep(0)
            return 42

        assert await asynckit.wait_for(answer(), 10) == 42
        with asynckit.shielded():
            await trio.sleep(0)
        with pytest.raises(RuntimeError, match="asyncio-only"):
            asynckit.shield(answer())

    async def asyncio_main() -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        trio.lowlevel.start_guest_run(
            trio_main,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            done_callback=done.set_result,
        )
        (await done).unwrap()

    asyncio.run(asyncio_main())


async def test_anyio_scopes_nest_both_ways() -> None:
    async with asynckit.timeout(100) as outer:
        with pytest.raises(TimeoutError), anyio.fail_after(1):
            await anyio.sleep(10)
    assert not outer.expired()
    with pytest.raises(TimeoutError), anyio.fail_after(1):
        async with asynckit.move_on_after(100) as inner:
            await anyio.sleep(10)
    assert not inner.cancelled_caught
