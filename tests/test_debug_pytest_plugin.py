"""The pytest plugin, run in pytest subprocesses so it cannot disturb this suite."""

from __future__ import annotations

import importlib.util

import pytest

pytest_plugins = ["pytester"]

LEAKY_TESTS = """
import asyncio
import gc

import pytest


async def work():
    return 1


def test_bare_leak():
    work()


def test_after_bare_leak():
    pass


class Node:
    pass


def test_leak_in_cycle():
    node = Node()
    node.me = node
    node.coro = work()


def test_after_cycle_leak():
    gc.collect()


def test_pending_task():
    loop = asyncio.new_event_loop()
    loop.create_task(asyncio.sleep(3600))
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


def test_exception_never_retrieved():
    async def boom():
        raise ValueError("lost")

    loop = asyncio.new_event_loop()
    loop.create_task(boom())
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


def test_closed_on_purpose():
    work().close()


@pytest.mark.asynckit_detect_unawaited(False)
def test_opted_out():
    coro = work()
    coro.close()


@pytest.mark.anyio
async def test_anyio_leak():
    work()


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


# Plugins this suite has installed that the runs below do not need (hypothesis's takes
# most of a pytest start-up).
QUIET = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark"]


def run(pytester: pytest.Pytester, *args: str, asyncio: bool = False) -> pytest.RunResult:
    """Run pytest on the files made; pytest-asyncio only when ``asyncio`` says so."""
    return pytester.runpytest_subprocess(*QUIET, *([] if asyncio else ["-p", "no:asyncio"]), *args)


def test_enabled_by_ini_blames_the_right_tests(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = true\n")
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = run(pytester, "-rA", "-W", "error")
    result.assert_outcomes(passed=9, errors=5)
    out = result.stdout.str()
    for name in (
        "test_bare_leak",
        "test_leak_in_cycle",
        "test_pending_task",
        "test_exception_never_retrieved",
        "test_anyio_leak",
    ):
        assert f"ERROR test_leaky.py::{name} - " in out
    for name in ("test_after_bare_leak", "test_after_cycle_leak", "test_closed_on_purpose"):
        assert f"PASSED test_leaky.py::{name}" in out
    source = LEAKY_TESTS.lstrip("\n")
    bare = next(i for i, line in enumerate(source.splitlines(), 1) if line == "    work()")
    assert f"created at test_leaky.py:{bare} in test_bare_leak" in out
    assert "coroutine 'work' was never awaited" in out
    assert "task 'Task-" in out
    assert "was destroyed while pending" in out
    assert "ValueError: lost" in out
    assert "in test_leak_in_cycle" in out


def test_off_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = run(pytester)
    result.assert_outcomes(passed=9)


def test_flag_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = false\n")
    pytester.makepyfile(
        test_flags="""
        import pytest

        async def work():
            return 1

        def test_leak():
            work()

        @pytest.mark.asynckit_detect_unawaited
        def test_marked_leak():
            work()
        """
    )
    result = run(pytester, "-W", "ignore")
    result.assert_outcomes(passed=2, errors=1)
    result = run(pytester, "--asynckit-detect-unawaited")
    result.assert_outcomes(passed=2, errors=2)
    result = run(pytester, "--no-asynckit-detect-unawaited", "-W", "ignore")
    result.assert_outcomes(passed=2, errors=1)


def test_bad_stack_depth(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = true\nasynckit_stack_depth = 0\n")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = run(pytester)
    assert "asynckit_stack_depth must be a positive integer" in result.stderr.str() + str(
        result.stdout.str()
    )


needs_pytest_asyncio = pytest.mark.skipif(
    importlib.util.find_spec("pytest_asyncio") is None, reason="pytest-asyncio is not installed"
)

PYTEST_ASYNCIO_TESTS = """
import asyncio
import contextlib

import pytest
import pytest_asyncio


async def work():
    return 1


async def serve(started):
    started.set()
    await asyncio.Event().wait()


@pytest.mark.asyncio
async def test_unawaited():
    work()


@pytest.mark.asyncio
async def test_leaks_task():
    asyncio.create_task(serve(asyncio.Event()))
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_after_leak():
    await work()


@pytest_asyncio.fixture
async def worker():
    started = asyncio.Event()
    task = asyncio.create_task(serve(started))
    await started.wait()
    yield task
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest_asyncio.fixture
async def unawaited_cancel():
    task = asyncio.create_task(serve(asyncio.Event()))
    yield task
    task.cancel()


@pytest.mark.asyncio
async def test_fixtures_clean_up(worker, unawaited_cancel):
    await asyncio.sleep(0)
    assert not worker.done()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server():
    started = asyncio.Event()
    task = asyncio.create_task(serve(started))
    await started.wait()
    yield task
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.mark.asyncio(loop_scope="module")
async def test_server(server):
    assert not server.done()


@pytest.mark.asyncio(loop_scope="module")
async def test_leaks_into_module_loop(server):
    global LEAKED
    LEAKED = asyncio.create_task(serve(asyncio.Event()), name="leaked")
    await asyncio.sleep(0)


@pytest.mark.asyncio(loop_scope="module")
async def test_after_module_leak(server):
    await asyncio.sleep(0)
    assert LEAKED.cancelled()
    assert not server.done()


def test_asyncio_run():
    async def main():
        asyncio.create_task(serve(asyncio.Event()))
        await asyncio.sleep(0)

    asyncio.run(main())


def test_sync():
    pass
"""


def line_of(source: str, text: str) -> int:
    """The 1-based line of ``source`` (as pytester writes it) that is, or holds, ``text``."""
    lines = source.lstrip("\n").splitlines()
    if text in lines:
        return lines.index(text) + 1
    return next(i for i, line in enumerate(lines, 1) if text in line)


def errored(result: pytest.RunResult) -> set[str]:
    """The names of the tests that errored (at teardown), from the ``-rA`` summary."""
    return {
        line.split("::", 1)[1].split(" ", 1)[0]
        for line in result.stdout.lines
        if line.startswith("ERROR ") and "::" in line
    }


@needs_pytest_asyncio
def test_with_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\n"
        "asynckit_detect_unawaited = true\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(test_pa=PYTEST_ASYNCIO_TESTS)
    result = run(pytester, "-p", "no:anyio", "-W", "error", "-rA", asyncio=True)
    result.assert_outcomes(passed=9, errors=4)
    assert errored(result) == {
        "test_unawaited",
        "test_leaks_task",
        "test_leaks_into_module_loop",
        "test_asyncio_run",
    }
    out = result.stdout.str()
    assert f"created at test_pa.py:{line_of(PYTEST_ASYNCIO_TESTS, '    work()')}" in out
    # A loop of the test's own: its runner cancels the task when the test ends.
    leak = line_of(PYTEST_ASYNCIO_TESTS, "    asyncio.create_task(serve(asyncio.Event()))")
    assert f"created at test_pa.py:{leak} in test_leaks_task" in out
    assert "its event loop's runner cancelled it on closing" in out
    # The module's loop, kept for the next test: the plugin cancels the task.
    kept = line_of(PYTEST_ASYNCIO_TESTS, 'name="leaked"')
    assert "task 'leaked (serve)' was left pending by the test" in out
    assert f"created at test_pa.py:{kept} in test_leaks_into_module_loop" in out
    assert "cancelled; it finishes the next time its event loop runs" in out
    # asyncio.run() in a sync test: the creating line, then the test's.
    assert f"called from test_pa.py:{line_of(PYTEST_ASYNCIO_TESTS, 'asyncio.run(main())')}" in out


ANYIO_TESTS = """
import asyncio
import contextlib

import anyio
import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend():
    return BACKEND


async def work():
    return 1


async def serve(started):
    started.set()
    await anyio.sleep_forever()
"""

# Before any module-scoped async fixture keeps anyio's runner open.
ANYIO_ASYNCIO_FIRST = """

async def test_leaks_task():
    asyncio.create_task(serve(anyio.Event()))
    await asyncio.sleep(0)


async def test_after_leak():
    await work()
"""

ANYIO_COMMON = """

async def test_unawaited():
    work()


@pytest.fixture(scope="module")
async def group():
    async with anyio.create_task_group() as tg:
        started = anyio.Event()
        tg.start_soon(serve, started)
        await started.wait()
        yield tg
        tg.cancel_scope.cancel()


async def test_starts_task_in_module_group(group):
    started = anyio.Event()
    group.start_soon(serve, started)
    await started.wait()


@pytest.fixture
async def scoped_group():
    async with anyio.create_task_group() as tg:
        yield tg
        tg.cancel_scope.cancel()


async def test_function_group(group, scoped_group):
    scoped_group.start_soon(serve, anyio.Event())
    await anyio.sleep(0)


async def test_after(group):
    await work()
"""

ANYIO_ASYNCIO_KEPT = """

@pytest.fixture(scope="module")
async def server():
    started = anyio.Event()
    task = asyncio.create_task(serve(started))
    await started.wait()
    yield task
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_server(server):
    assert not server.done()


async def test_leaks_while_runner_kept(server):
    global LEAKED
    LEAKED = asyncio.create_task(serve(anyio.Event()), name="leaked")
    await asyncio.sleep(0)


async def test_after_kept_leak(server):
    await asyncio.sleep(0)
    assert LEAKED.cancelled()
    assert not server.done()
"""


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param('"asyncio"', id="asyncio"),
        pytest.param(
            '("asyncio", {"use_uvloop": True})',
            id="asyncio+uvloop",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("uvloop") is None, reason="uvloop is not installed"
            ),
        ),
    ],
)
def test_with_anyio_on_asyncio(pytester: pytest.Pytester, backend: str) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = true\n")
    source = ANYIO_TESTS.replace("BACKEND", backend)
    source += ANYIO_ASYNCIO_FIRST + ANYIO_COMMON + ANYIO_ASYNCIO_KEPT
    pytester.makepyfile(test_any=source)
    result = run(pytester, "-W", "error", "-rA")
    result.assert_outcomes(passed=9, errors=3)
    assert errored(result) == {"test_unawaited", "test_leaks_task", "test_leaks_while_runner_kept"}
    out = result.stdout.str()
    # No async fixture: anyio closes its runner as the test ends, and cancels the task.
    leak = line_of(source, "    asyncio.create_task(serve(anyio.Event()))")
    assert f"created at test_any.py:{leak} in test_leaks_task" in out
    assert "its event loop's runner cancelled it on closing" in out
    # A module-scoped async fixture keeps the runner: the plugin cancels the task.
    kept = line_of(source, 'name="leaked"')
    assert f"created at test_any.py:{kept} in test_leaks_while_runner_kept" in out
    assert "cancelled; it finishes the next time its event loop runs" in out
    # The stack stops at the test: none of the runners' frames.
    assert "anyio" not in out.split("ERRORS")[1].split("PASSES")[0].replace("anyio.", "")


@pytest.mark.skipif(importlib.util.find_spec("trio") is None, reason="trio is not installed")
def test_with_anyio_on_trio(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = true\n")
    source = ANYIO_TESTS.replace("BACKEND", '"trio"') + ANYIO_COMMON
    pytester.makepyfile(test_any=source)
    result = run(pytester, "-W", "error", "-rA")
    result.assert_outcomes(passed=4, errors=1)
    assert errored(result) == {"test_unawaited"}
    out = result.stdout.str()
    assert f"created at test_any.py:{line_of(source, '    work()')} in test_unawaited" in out
    assert "called from" not in out  # trio's run loop is not the test's business


# ------------------------------------------------------- in-process, without a run


def get_item(pytester: pytest.Pytester) -> pytest.Item:
    """A test item of an in-process run (without pytest-asyncio, which would warn)."""
    module = pytester.getmodulecol("def test_func():\n    pass\n", ("-p", "no:asyncio"))
    (item,) = pytester.genitems([module])
    return item


def test_begin_and_end_in_process(pytester: pytest.Pytester) -> None:
    from asynckit._debug_pytest import begin, end
    from asynckit.debug import UnawaitedCoroutineError
    from tests._debug_helpers import leak

    item = get_item(pytester)
    end(item, failing=False)  # no scope: nothing to do
    begin(item, "4")
    end(item, failing=False)  # nothing leaked
    begin(item, "4")
    line = leak()
    with pytest.raises(UnawaitedCoroutineError) as excinfo:
        end(item, failing=False)
    assert excinfo.value.findings[0].location is not None
    assert excinfo.value.findings[0].location.lineno == line
    begin(item, "4")
    leak()
    end(item, failing=True)  # teardown failed already: a report section instead
    assert any("was never awaited" in text for _, _, text in item._report_sections)


@pytest.mark.parametrize("raw", ["0", "-1", "many"])
def test_bad_stack_depth_in_process(pytester: pytest.Pytester, raw: str) -> None:
    from asynckit._debug_pytest import begin

    item = get_item(pytester)
    with pytest.raises(pytest.UsageError, match="asynckit_stack_depth must be a positive"):
        begin(item, raw)
