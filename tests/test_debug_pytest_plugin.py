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


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUIET, *args)


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


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_asyncio") is None, reason="pytest-asyncio is not installed"
)
def test_with_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\n"
        "asynckit_detect_unawaited = true\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        test_pa="""
        import asyncio
        import pytest

        async def work():
            return 1

        @pytest.mark.asyncio
        async def test_leak():
            work()

        @pytest.mark.asyncio
        async def test_clean():
            await work()
        """
    )
    result = run(pytester, "-p", "no:anyio")
    result.assert_outcomes(passed=2, errors=1)
    assert "in test_leak" in result.stdout.str()


# ------------------------------------------------------- in-process, without a run


def test_begin_and_end_in_process(pytester: pytest.Pytester) -> None:
    from asynckit._debug_pytest import begin, end
    from asynckit.debug import UnawaitedCoroutineError
    from tests._debug_helpers import leak

    item = pytester.getitem("def test_func():\n    pass\n")
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

    item = pytester.getitem("def test_func():\n    pass\n")
    with pytest.raises(pytest.UsageError, match="asynckit_stack_depth must be a positive"):
        begin(item, raw)
