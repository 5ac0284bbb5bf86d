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


def _lines(test_file: str, marker: str) -> int:
    return next(i for i, line in enumerate(test_file.splitlines(), 1) if marker in line)


def test_enabled_by_ini_blames_the_right_tests(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = true\n")
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", "-W", "error")
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
    assert "task 'Task-" in out and "was destroyed while pending" in out
    assert "ValueError: lost" in out
    assert "in test_leak_in_cycle" in out


def test_off_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
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
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore")
    result.assert_outcomes(passed=2, errors=1)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--asynckit-detect-unawaited"
    )
    result.assert_outcomes(passed=2, errors=2)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--no-asynckit-detect-unawaited", "-W", "ignore"
    )
    result.assert_outcomes(passed=2, errors=1)


def test_bad_stack_depth(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasynckit_detect_unawaited = true\nasynckit_stack_depth = 0\n")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert "asynckit_stack_depth must be a positive integer" in result.stderr.str() + str(
        result.stdout.str()
    )


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_asyncio") is None, reason="pytest-asyncio is not installed"
)
def test_with_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasynckit_detect_unawaited = true\nasyncio_default_fixture_loop_scope = function\n"
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
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:anyio")
    result.assert_outcomes(passed=2, errors=1)
    assert "in test_leak" in result.stdout.str()
