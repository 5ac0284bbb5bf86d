"""CPython's own tests for ``gather``, ``wait`` and ``as_completed``, run against ours.

``test.test_asyncio.test_tasks`` calls ``asyncio.gather`` / ``asyncio.wait`` /
``asyncio.as_completed`` through its module-level ``asyncio`` name (the gather
classes also through their ``_gather`` seam). Each test below swaps that name for
a namespace whose three functions are asynckit's (counting their calls) and
whose every other attribute is asyncio's. The classes are the interpreter's own,
so each Python checks us against its own asyncio. The gather classes run twice:
through ``asynckit.gather`` (which without a limit is ``asyncio.gather``) and
through the future ``gather(limit=...)`` returns, given a limit that never holds
anything back, so that CPython's tests pin our own implementation too.
"""

from __future__ import annotations

import asyncio
import sys
import types
import unittest
from collections import Counter
from typing import Any

import pytest

import asynckit
from asynckit._bounded import check_awaitables
from asynckit._gather import bounded_future

test_tasks: Any = pytest.importorskip("test.test_asyncio.test_tasks")

CALLS: Counter[str] = Counter()


class _AsyncioWithAsynckit(types.ModuleType):
    """``asyncio`` with ``gather``, ``wait`` and ``as_completed`` taken from asynckit."""

    def __init__(self) -> None:
        super().__init__("asyncio")

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    def gather(*args: Any, **kwargs: Any) -> Any:
        CALLS["gather"] += 1
        return asynckit.gather(*args, **kwargs)

    @staticmethod
    def wait(*args: Any, **kwargs: Any) -> Any:
        CALLS["wait"] += 1
        return asynckit.wait(*args, **kwargs)

    @staticmethod
    def as_completed(*args: Any, **kwargs: Any) -> Any:
        CALLS["as_completed"] += 1
        return asynckit.as_completed(*args, **kwargs)


NAMESPACE = _AsyncioWithAsynckit()

# Warnings CPython's own runner tolerates in these tests; each is named, none is global.
pytestmark = [
    pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning"),
    pytest.mark.filterwarnings(
        "ignore:The explicit passing of coroutine objects to asyncio.wait:DeprecationWarning"
    ),
]


class _Substituted:
    """Mixin: run the test with ``test_tasks.asyncio`` pointing at asynckit."""

    def setUp(self) -> None:
        original = test_tasks.asyncio
        test_tasks.asyncio = NAMESPACE
        self.addCleanup(setattr, test_tasks, "asyncio", original)  # type: ignore[attr-defined]
        super().setUp()  # type: ignore[misc]


class TestFutureGather(_Substituted, test_tasks.FutureGatherTests):  # type: ignore[misc]
    """CPython's gather tests on futures, through ``asynckit.gather``."""


class TestCoroutineGather(_Substituted, test_tasks.CoroutineGatherTests):  # type: ignore[misc]
    """CPython's gather tests on coroutines, through ``asynckit.gather``."""


# test_env_var_debug starts five interpreters and tests asyncio's debug-mode flag, not gather.
TestFutureGather.test_env_var_debug = None
TestCoroutineGather.test_env_var_debug = None


# Behaviour of ``as_completed`` from Python 3.13, which ours has on every Python,
# that older Pythons' tests pin the other way.
_NOT_BEFORE_313 = {
    # Before 3.13 as_completed was a generator, so a missing event loop surfaced at
    # the first next(); since 3.13 (and in asynckit) the call itself raises.
    "test_as_completed_coroutine_without_loop",
    # Likewise a single future or coroutine instead of an iterable is refused by the
    # call itself, not when the generator is first run.
    "test_as_completed_invalid_args",
    # 3.10 only: as_completed picking up the loop set with set_event_loop() while
    # none runs, with 3.10's wording of the DeprecationWarning.
    "test_as_completed_coroutine_use_global_loop",
}


def _wait_and_as_completed_only(cls: type) -> type:
    """Keep only the ``test_wait*`` and ``test_as_completed*`` methods of *cls*."""
    for name in dir(cls):
        if not name.startswith("test"):
            continue
        keep = name.startswith(("test_wait", "test_as_completed"))
        if sys.version_info < (3, 13) and name in _NOT_BEFORE_313:
            keep = False
        if not keep:
            setattr(cls, name, None)
    return cls


@_wait_and_as_completed_only
class TestCTaskWaitAsCompleted(_Substituted, test_tasks.CTask_CFuture_Tests):  # type: ignore[misc]
    """CPython's wait/as_completed tests with C tasks, through asynckit."""


@_wait_and_as_completed_only
class TestPyTaskWaitAsCompleted(_Substituted, test_tasks.PyTask_PyFuture_Tests):  # type: ignore[misc]
    """CPython's wait/as_completed tests with pure-Python tasks, through asynckit."""


def _bounded_gather(*aws: Any, return_exceptions: bool = False) -> Any:
    """asynckit's own bounded future, with a limit that never holds anything back."""
    CALLS["bounded_gather"] += 1
    check_awaitables(aws, owner="gather")
    if not aws:
        return asynckit.gather(*aws, return_exceptions=return_exceptions)
    return bounded_future(
        aws,
        limit=None,
        return_exceptions=return_exceptions,
        cancel_on_error=False,
        coroutines_only=all(type(aw) is types.CoroutineType for aw in aws),
    )


class _AsyncioWithBoundedGather(_AsyncioWithAsynckit):
    """``asyncio`` whose ``gather`` is asynckit's bounded gathering future."""

    gather = staticmethod(_bounded_gather)


BOUNDED_NAMESPACE = _AsyncioWithBoundedGather()


class _SubstitutedBounded:
    def setUp(self) -> None:
        original = test_tasks.asyncio
        test_tasks.asyncio = BOUNDED_NAMESPACE
        self.addCleanup(setattr, test_tasks, "asyncio", original)  # type: ignore[attr-defined]
        super().setUp()  # type: ignore[misc]


class TestFutureGatherBounded(_SubstitutedBounded, test_tasks.FutureGatherTests):  # type: ignore[misc]
    """CPython's gather tests on futures, through the future ``gather(limit=...)`` returns."""


class TestCoroutineGatherBounded(_SubstitutedBounded, test_tasks.CoroutineGatherTests):  # type: ignore[misc]
    """CPython's gather tests on coroutines, through the future ``gather(limit=...)`` returns."""


TestFutureGatherBounded.test_env_var_debug = None
TestCoroutineGatherBounded.test_env_var_debug = None


@pytest.mark.parametrize(
    ("case", "name"),
    [
        (TestCoroutineGather("test_duplicate_coroutines"), "gather"),
        (TestFutureGather("test_one_cancellation"), "gather"),
        (TestCTaskWaitAsCompleted("test_wait_first_completed"), "wait"),
        (TestPyTaskWaitAsCompleted("test_as_completed_concurrent"), "as_completed"),
        (TestCoroutineGatherBounded("test_duplicate_coroutines"), "bounded_gather"),
        (TestFutureGatherBounded("test_one_cancellation"), "bounded_gather"),
    ],
    ids=[
        "coroutine-gather",
        "future-gather",
        "wait",
        "as_completed",
        "coroutine-bounded-gather",
        "future-bounded-gather",
    ],
)
def test_substitution_reaches_asynckit(case: unittest.TestCase, name: str) -> None:
    before = CALLS[name]
    result = unittest.TestResult()
    case.run(result)
    assert result.wasSuccessful(), result.errors + result.failures
    assert CALLS[name] > before, f"CPython's test did not call asynckit.{name}"
