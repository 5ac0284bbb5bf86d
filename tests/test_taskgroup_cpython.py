"""CPython's own ``test_taskgroups`` run against :class:`asynckit.TaskGroup`.

The test module's ``taskgroups`` and ``asyncio`` globals are swapped for namespaces
whose ``TaskGroup`` is ours (a counting subclass, so each test proves the substitution
happened), and each test method runs on every asyncio flavour of the matrix.
"""

from __future__ import annotations

import asyncio
import sys
import types
import unittest
from typing import TYPE_CHECKING, Any

import pytest

import asynckit

if TYPE_CHECKING:
    from collections.abc import Callable

if not hasattr(asyncio, "TaskGroup"):  # pragma: no cover - Python 3.10
    pytest.skip(
        "CPython ships test_taskgroups from 3.11; on 3.10 our own tests cover its cases",
        allow_module_level=True,
    )

try:
    from test.test_asyncio import test_taskgroups as cpython
except ImportError:  # pragma: no cover - Python built without its test package
    pytest.skip("CPython's test.test_asyncio is not installed", allow_module_level=True)


class CountingTaskGroup(asynckit.TaskGroup):
    """Our TaskGroup, counting its instances to prove the tests used it."""

    created = 0

    def __init__(self) -> None:
        type(self).created += 1
        super().__init__()


def _asyncio_namespace() -> types.ModuleType:
    namespace = types.ModuleType("asyncio")
    namespace.__dict__.update(vars(asyncio))
    namespace.TaskGroup = CountingTaskGroup  # type: ignore[attr-defined]
    return namespace


cpython.taskgroups = types.SimpleNamespace(TaskGroup=CountingTaskGroup)
cpython.asyncio = _asyncio_namespace()

# Tests that pin a behaviour of older Pythons which asynckit fixes everywhere.
_FIXED_115957 = (
    "pins python/cpython#115957 (a coroutine refused by create_task() is left "
    "unclosed and the test awaits it afterwards); asynckit closes it, as 3.13 does: "
    "see tests/test_taskgroup_lifecycle.py"
)
KNOWN_FIXED: dict[str, str] = {}
if sys.version_info < (3, 13):
    KNOWN_FIXED.update(
        dict.fromkeys(
            [
                "test_taskgroup_no_create_task_after_failure",
                "test_taskgroup_finished",
                "test_taskgroup_not_entered",
                "test_taskgroup_without_parent_task",
            ],
            _FIXED_115957,
        )
    )

TEST_NAMES = sorted(
    name
    for name in dir(cpython.TestTaskGroup)
    if name.startswith("test") and callable(getattr(cpython.TestTaskGroup, name))
)


def _make_case(
    name: str, loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> unittest.TestCase:
    class Case(cpython.TestTaskGroup):  # type: ignore[misc]
        def _setupAsyncioRunner(self) -> None:
            # IsolatedAsyncioTestCase's own runner, on the flavour under test.
            # Runner sets no current loop when given a loop_factory; the sync
            # tests call asyncio.get_event_loop(), so set it as the default does.
            runner = asyncio.Runner  # type: ignore[attr-defined,unused-ignore]
            self._asyncioRunner = runner(debug=True, loop_factory=loop_factory)

        def _callTestMethod(self, method: Any) -> None:
            asyncio.set_event_loop(self._asyncioRunner.get_loop())
            super()._callTestMethod(method)

        def _tearDownAsyncioRunner(self) -> None:
            super()._tearDownAsyncioRunner()
            asyncio.set_event_loop(None)

    case: unittest.TestCase = Case(name)
    return case


def test_substitution_targets_exist() -> None:
    assert cpython.taskgroups.TaskGroup is CountingTaskGroup
    assert cpython.asyncio.TaskGroup is CountingTaskGroup
    assert len(TEST_NAMES) >= 30


@pytest.mark.parametrize("name", TEST_NAMES)
def test_cpython_taskgroups(
    name: str, asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    if name in KNOWN_FIXED:
        pytest.skip(KNOWN_FIXED[name])
    before = CountingTaskGroup.created
    result = unittest.TestResult()
    _make_case(name, asyncio_loop_factory).run(result)
    problems: list[tuple[Any, str]] = [*result.errors, *result.failures]
    assert not problems, problems[0][1]
    if result.skipped:
        pytest.skip(result.skipped[0][1])
    assert CountingTaskGroup.created > before, f"{name} did not use asynckit.TaskGroup"
