"""detect_unawaited: what it reports, where, how, and what it leaves alone."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from asynckit.debug import (
    Finding,
    SourceLocation,
    UnawaitedCoroutineError,
    UnawaitedCoroutineWarning,
    detect_unawaited,
)
from tests._debug_helpers import leak, work

if TYPE_CHECKING:
    from collections.abc import Callable

HERE = __file__


def run_scoped(body: Callable[[], object], **options: Any) -> detect_unawaited:
    """Run ``body`` inside a fresh scope; return the scope."""
    with detect_unawaited(**options) as scope:
        body()
    return scope


def test_raise_mode_names_the_creation_line() -> None:
    lines: list[int] = []
    with pytest.raises(UnawaitedCoroutineError) as excinfo:
        run_scoped(lambda: lines.append(leak()))
    line = lines[0]
    (finding,) = excinfo.value.findings
    assert finding.kind == "never-awaited"
    assert finding.name == "work"
    assert finding.location is not None
    assert finding.location.lineno == line
    assert finding.location.function == "leak"
    assert [f.function for f in finding.created_at] == ["leak", "<lambda>"]  # stack_depth=2
    assert finding.defined_at is not None
    assert finding.defined_at.function == "work"
    assert "1 problem found:" in str(excinfo.value)
    assert "coroutine 'work' was never awaited" in str(excinfo.value)
    assert f"created at {finding.location}" in str(excinfo.value)


def test_nothing_found_nothing_raised() -> None:
    with detect_unawaited() as scope:
        assert asyncio.run(work()) == 1
    assert scope.findings == []


def test_warn_mode_points_at_the_creation_line() -> None:
    lines: list[int] = []
    with pytest.warns(UnawaitedCoroutineWarning, match="was never awaited") as record:
        run_scoped(lambda: lines.append(leak()), mode="warn")
    assert record[0].lineno == lines[0]
    assert record[0].filename.endswith("_debug_helpers.py")


def test_warn_mode_without_creation_site() -> None:
    held = [work()]  # created outside any scope: no creation site
    with pytest.warns(UnawaitedCoroutineWarning, match="creation site unknown"):
        run_scoped(held.clear, mode="warn")


def test_log_mode(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="asynckit.debug"):
        scope = run_scoped(leak, mode="log")
    assert len(scope.findings) == 1
    assert "coroutine 'work' was never awaited" in caplog.text


def test_deliberate_handling_is_not_reported() -> None:
    def drive() -> None:
        c = work()
        try:
            c.send(None)
        except StopIteration:
            pass

    with detect_unawaited() as scope:
        work().close()
        drive()
        thrown = work()
        with pytest.raises(KeyError):
            thrown.throw(KeyError("x"))
        del thrown
        later = work()
        assert asyncio.run(_await(later)) == 1
    assert scope.findings == []


async def _await(coro: Any) -> Any:
    return await coro


def test_cycle_is_collected_at_exit() -> None:
    class Holder:
        pass

    def make_cycle() -> None:
        holder = Holder()
        holder.me = holder  # type: ignore[attr-defined]
        holder.coro = work()  # type: ignore[attr-defined]

    with pytest.raises(UnawaitedCoroutineError):
        run_scoped(make_cycle)


def test_no_collection_when_disabled() -> None:
    class Holder:
        pass

    gc.collect()
    gc.disable()
    try:
        with detect_unawaited(collect_garbage=False) as scope:
            holder = Holder()
            holder.me = holder  # type: ignore[attr-defined]
            holder.coro = work()  # type: ignore[attr-defined]
            del holder
        assert scope.findings == []
        with pytest.warns(RuntimeWarning, match="was never awaited"):
            gc.collect()
    finally:
        gc.enable()


def test_outside_a_scope_cpython_behaviour_is_untouched() -> None:
    original = warnings._warn_unawaited_coroutine  # type: ignore[attr-defined]
    handler = asyncio.BaseEventLoop.call_exception_handler
    with detect_unawaited():
        assert warnings._warn_unawaited_coroutine is not original  # type: ignore[attr-defined]
        assert sys.get_coroutine_origin_tracking_depth() >= 2
    assert warnings._warn_unawaited_coroutine is original  # type: ignore[attr-defined]
    assert asyncio.BaseEventLoop.call_exception_handler is handler
    with pytest.warns(RuntimeWarning, match="was never awaited"):
        leak()


def test_nested_scopes_report_to_the_innermost() -> None:
    inner = detect_unawaited(stack_depth=5)

    def body() -> None:
        assert sys.get_coroutine_origin_tracking_depth() >= 5
        leak()

    with detect_unawaited() as outer:
        with pytest.raises(UnawaitedCoroutineError):  # noqa: SIM117 - the order matters
            with inner:
                body()
        assert len(inner.findings) == 1
    assert outer.findings == []


def test_scopes_may_end_in_any_order() -> None:
    before = sys.get_coroutine_origin_tracking_depth()
    first = detect_unawaited(stack_depth=3)
    second = detect_unawaited(stack_depth=6)
    first.__enter__()
    second.__enter__()
    assert sys.get_coroutine_origin_tracking_depth() >= 6
    first.__exit__(None, None, None)
    assert sys.get_coroutine_origin_tracking_depth() >= 6
    second.__exit__(None, None, None)
    assert sys.get_coroutine_origin_tracking_depth() == before


def test_thread_started_inside_the_scope_has_creation_sites() -> None:
    lines: list[int] = []
    thread = threading.Thread(target=lambda: lines.append(leak()))

    def body() -> None:
        thread.start()
        thread.join()

    with pytest.raises(UnawaitedCoroutineError) as excinfo:
        run_scoped(body)
    (finding,) = excinfo.value.findings
    assert finding.location is not None
    assert finding.location.lineno == lines[0]
    assert finding.thread == thread.name


def test_thread_older_than_the_scope_still_reports() -> None:
    go, done = threading.Event(), threading.Event()

    def worker() -> None:
        go.wait()
        leak()
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()

    def body() -> None:
        go.set()
        done.wait()

    with pytest.raises(UnawaitedCoroutineError, match="creation site unknown") as excinfo:
        run_scoped(body)
    thread.join()
    assert excinfo.value.findings[0].location is None


def test_scopes_in_two_threads_at_once() -> None:
    results: dict[str, list[Finding]] = {}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        with detect_unawaited(mode="log") as scope:
            barrier.wait()
            if name == "leaky":
                leak()
            barrier.wait()
        results[name] = scope.findings

    threads = [threading.Thread(target=run, args=(n,)) for n in ("leaky", "clean")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results["leaky"]) == 1
    assert results["clean"] == []


def test_body_exception_is_not_masked() -> None:
    def body() -> None:
        leak()
        raise KeyError("body")

    with pytest.raises(KeyError) as excinfo:
        run_scoped(body)
    if sys.version_info >= (3, 11):
        assert "was never awaited" in "".join(excinfo.value.__notes__)


def test_sync_decorator() -> None:
    @detect_unawaited()
    def leaky() -> int:
        return leak()

    @detect_unawaited(mode="log", stack_depth=3, collect_garbage=False)
    def clean() -> str:
        return "ok"

    with pytest.raises(UnawaitedCoroutineError):
        leaky()
    with pytest.raises(UnawaitedCoroutineError):
        leaky()  # a fresh scope for every call
    assert clean() == "ok"
    assert leaky.__name__ == "leaky"


async def test_async_decorator() -> None:
    @detect_unawaited()
    async def leaky() -> None:
        await anyio.sleep(0)
        leak()

    @detect_unawaited()
    async def clean() -> int:
        await anyio.sleep(0)
        return await work()

    with pytest.raises(UnawaitedCoroutineError):
        await leaky()
    assert await clean() == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="mode must be one of 'raise', 'warn', 'log'"):
        detect_unawaited(mode="loud")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stack_depth must be an int"):
        detect_unawaited(stack_depth=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="stack_depth must be an int"):
        detect_unawaited(stack_depth=True)
    with pytest.raises(ValueError, match="stack_depth must be at least 1"):
        detect_unawaited(stack_depth=0)
    with pytest.raises(TypeError, match="decorates a callable"):
        detect_unawaited()(42)  # type: ignore[type-var]


def test_same_scope_cannot_be_entered_twice() -> None:
    scope = detect_unawaited()
    with scope, pytest.raises(RuntimeError, match="already active"):
        scope.__enter__()
    with scope:  # reusable once it has ended
        pass


def test_report_forms() -> None:
    where = SourceLocation(HERE, 1, "<module>")
    finding = Finding(kind="never-awaited", name="f", created_at=(where,))
    data = finding.to_dict()
    assert data["created_at"][0]["lineno"] == 1
    assert data["created_at"][0]["line"] == where.line
    assert data["defined_at"] is None
    assert str(where).endswith("test_debug_detector.py:1 in <module>")
    two = UnawaitedCoroutineError([finding, finding])
    assert str(two).startswith("2 problems found:")
    assert SourceLocation("/nonexistent/x.py", 3, "f").line == ""


# ------------------------------------------------------------------ asyncio tasks


def _run_and_drop(
    factory: Callable[[], asyncio.AbstractEventLoop], body: Callable[[], Any]
) -> None:
    loop = factory()
    try:
        loop.run_until_complete(body())
    finally:
        loop.close()
    del loop


def test_pending_task_destroyed(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def body() -> None:
        asyncio.get_running_loop().create_task(asyncio.sleep(3600))
        await asyncio.sleep(0)

    with pytest.raises(UnawaitedCoroutineError) as excinfo:
        run_scoped(lambda: _run_and_drop(asyncio_loop_factory, body))
    kinds = [f.kind for f in excinfo.value.findings]
    assert kinds == ["pending-task-destroyed"]
    (finding,) = excinfo.value.findings
    assert finding.location is not None
    assert finding.location.function == "body"
    assert "was destroyed while pending" in finding.format()


def test_task_exception_never_retrieved(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def fail() -> None:
        raise ValueError("lost")

    async def body() -> None:
        asyncio.get_running_loop().create_task(fail())
        await asyncio.sleep(0)

    with pytest.raises(UnawaitedCoroutineError, match="ValueError: lost") as excinfo:
        run_scoped(lambda: _run_and_drop(asyncio_loop_factory, body))
    (finding,) = excinfo.value.findings
    assert finding.kind == "exception-never-retrieved"
    # An eager task that completed at once has let go of its coroutine.
    assert "fail" in finding.name or finding.name.startswith("Task")
    assert finding.location is not None
    assert finding.location.function == "body"


def test_future_exception_never_retrieved(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def body() -> None:
        asyncio.get_running_loop().create_future().set_exception(KeyError("k"))

    with pytest.raises(UnawaitedCoroutineError) as excinfo:
        run_scoped(lambda: _run_and_drop(asyncio_loop_factory, body))
    (finding,) = excinfo.value.findings
    assert finding.kind == "exception-never-retrieved"
    assert finding.name == "Future"


def test_other_exception_handler_calls_pass_through(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    seen: list[dict[str, Any]] = []
    loop = asyncio_loop_factory()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    try:
        with detect_unawaited() as scope:
            loop.call_exception_handler({"message": "something else"})
            loop.call_exception_handler({"message": "no future", "exception": None})
            loop.call_exception_handler({"message": "unrelated", "future": loop.create_future()})
        loop.call_exception_handler({"message": "outside"})
    finally:
        loop.close()
    assert scope.findings == []
    assert [c["message"] for c in seen] == ["something else", "no future", "unrelated", "outside"]


def test_task_never_started_on_a_loop_without_debug_mode() -> None:
    loop = asyncio.new_event_loop()
    loop.set_debug(False)

    def body() -> None:
        task = loop.create_task(work())  # never runs: the loop is closed first
        loop.close()
        del task

    with pytest.raises(UnawaitedCoroutineError) as excinfo:
        run_scoped(body, stack_depth=3)
    kinds = sorted(f.kind for f in excinfo.value.findings)
    assert kinds == ["never-awaited", "pending-task-destroyed"]
    task = next(f for f in excinfo.value.findings if f.kind == "pending-task-destroyed")
    assert task.location is not None
    assert task.location.function == "body"  # from the coroutine's cr_origin
    assert task.detail.startswith("pending at")


def test_hook_outside_any_scope_falls_back_to_cpython() -> None:
    from asynckit import _debug_hooks

    coro = work()
    with pytest.warns(RuntimeWarning, match="was never awaited"):
        _debug_hooks._on_unawaited(coro)
    coro.close()


def test_loop_classes_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    from asynckit import _debug_hooks

    monkeypatch.setitem(sys.modules, "uvloop", None)
    assert _debug_hooks.loop_classes() == [asyncio.BaseEventLoop]


def test_report_without_source_lines() -> None:
    from asynckit.debug import Stall

    nowhere = SourceLocation("/nonexistent/x.py", 3, "f")
    finding = Finding(kind="exception-never-retrieved", name="t", created_at=(nowhere,))
    assert finding.format().splitlines()[1] == "  created at /nonexistent/x.py:3 in f"
    stall = Stall(blocked_for=0.5, stack=(nowhere,))
    assert stall.format().splitlines() == [
        "event loop blocked for more than 0.500 s",
        "  blocked at /nonexistent/x.py:3 in f",
    ]


def test_wrapped_handler_outside_any_scope_passes_through() -> None:
    from asynckit import _debug_hooks

    seen: list[dict[str, Any]] = []
    wrapped = _debug_hooks._wrap_exception_handler(lambda loop, context: seen.append(context))
    context = {"message": "Task was destroyed but it is pending!", "task": object()}
    wrapped(None, context)
    assert seen == [context]
