"""CPython's tests for timeout, wait_for and shield, run against asynckit's versions.

``test_timeouts`` (3.11+), ``test_waitfor`` and the shield tests of ``test_tasks``
come from the running Python's ``test.test_asyncio`` package; each test runs with
the module's ``asyncio`` global swapped for a namespace whose ``timeout``,
``timeout_at``, ``wait_for`` and ``shield`` are asynckit's (see
``tests/_timeouts_cpython.py``), on each asyncio loop flavour.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import pytest

import asynckit
from tests import _timeouts_cpython as cpy

if TYPE_CHECKING:
    from collections.abc import Callable

test_timeouts = cpy.load("test_timeouts")
test_waitfor = cpy.load("test_waitfor")
test_tasks = cpy.load("test_tasks")

MODULES = {"test_timeouts": test_timeouts, "test_waitfor": test_waitfor, "test_tasks": test_tasks}

#: CPython tests asserting behaviour asynckit deliberately differs from, with why.
#: Each difference has its own test in tests/test_timeouts*.py.
DELIBERATE: dict[tuple[str, str], str] = {}
if sys.version_info < (3, 12):
    DELIBERATE.update(
        {
            ("test_waitfor", "test_wait_for_race_condition"): (
                "asserts the pre-3.12 result: a result ready when the timeout fires "
                "is lost (python/cpython#86296); asynckit returns it, see "
                "test_wait_for_keeps_result_ready_at_timeout"
            ),
        }
    )

if sys.version_info < (3, 12):
    DELIBERATE[("test_waitfor", "test_wait_for_self_cancellation")] = (
        "asserts the pre-3.12 result: wait_for raises CancelledError although the "
        "awaited task suppressed the cancellation and returned a value; 3.12 "
        "removed this test and added test_wait_for_cancel_suppressed (gh-86296), "
        "which asynckit follows, see test_wait_for_returns_value_of_task_that_"
        "suppressed_cancel"
    )

#: CPython tests that fail on a loop flavour with asyncio's own implementation too,
#: as (flavour, reason); the flavour is matched against the loop's class and task factory.
FLAVOUR_SPECIFIC: dict[tuple[str, str], tuple[str, str]] = {
    ("test_waitfor", "test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started"): (
        "eager",
        (
            "with eager tasks the coroutine runs to completion inside ensure_future(), "
            "so there is nothing left to time out; asyncio.wait_for fails it there too"
        ),
    ),
    ("test_timeouts", "test_nested_timeouts"): (
        "uvloop",
        (
            "two timers due in the same millisecond may fire in either order on uvloop, "
            "so the inner timeout can fire alone; asyncio.timeout fails it there too; "
            "test_nested_timeouts_same_deadline_outer_wins covers it deterministically"
        ),
    ),
}

CASES = [
    *(("test_timeouts", c, n) for c, n in cpy.cases(test_timeouts, "TimeoutTests", bool)),
    *(
        ("test_waitfor", c, n)
        for cls in ("AsyncioWaitForTest", "WaitForShieldTests")
        for c, n in cpy.cases(test_waitfor, cls, bool)
    ),
    *(
        ("test_tasks", c, n)
        for cls in ("CTask_CFuture_Tests", "PyTask_PyFuture_Tests")
        for c, n in cpy.cases(test_tasks, cls, lambda name: "test_shield" in name)
    ),
]


def test_cpython_tests_found() -> None:
    if test_waitfor is None:
        pytest.skip("this Python ships without test.test_asyncio")
    assert any(case[0] == "test_waitfor" for case in CASES)
    assert any(case[0] == "test_tasks" for case in CASES)
    if sys.version_info >= (3, 11):
        assert any(case[0] == "test_timeouts" for case in CASES)


@pytest.mark.parametrize(
    ("module_name", "class_name", "test_name"), CASES, ids=["::".join(c) for c in CASES]
)
def test_cpython(
    module_name: str,
    class_name: str,
    test_name: str,
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    reason = DELIBERATE.get((module_name, test_name))
    if reason is not None:
        pytest.skip(reason)
    specific = FLAVOUR_SPECIFIC.get((module_name, test_name))
    if specific is not None:
        probe = asyncio_loop_factory()
        flavour = f"{type(probe).__module__} {probe.get_task_factory()!r}"
        probe.close()
        if specific[0] in flavour:
            pytest.skip(specific[1])
    module = MODULES[module_name]
    assert module is not None
    with cpy.loop_policy(asyncio_loop_factory):
        result = cpy.run_case(module, class_name, test_name)
    problems = result.errors + result.failures
    assert not problems, problems[0][1]
    if result.skipped:
        pytest.skip(result.skipped[0][1])
    for name in cpy.expected_substitutions(module, class_name, test_name):
        assert cpy.calls[name] > 0, f"asyncio.{name} was not asynckit.{name} during the test"


def test_namespace_points_at_asynckit() -> None:
    namespace = cpy.make_namespace()
    assert namespace.sleep is asyncio.sleep
    for name in cpy.SUBSTITUTED:
        assert getattr(namespace, name).__wrapped__ is getattr(asynckit, name)
