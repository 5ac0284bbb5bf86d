"""Run CPython's own asyncio tests against asynckit's drop-ins.

Each CPython test module refers to ``asyncio.timeout``, ``asyncio.wait_for`` and
``asyncio.shield`` through its module-global ``asyncio``. We swap that global for a
namespace that is ``asyncio`` except for those names, which point at asynckit
(wrapped to count calls, so a test can check the substitution really happened),
and run the unittest test case.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import importlib
import inspect
import sys
import types
import unittest
from typing import TYPE_CHECKING, Any

import asynckit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SUBSTITUTED = ("timeout", "timeout_at", "wait_for", "shield")

calls: collections.Counter[str] = collections.Counter()


def _counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return fn(*args, **kwargs)

    return wrapper


class _AsyncioWithAsynckit(types.ModuleType):
    """``asyncio``, with the substituted names pointing at asynckit."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


def make_namespace() -> types.ModuleType:
    namespace = _AsyncioWithAsynckit("asyncio")
    for name in SUBSTITUTED:
        setattr(namespace, name, _counted(name, getattr(asynckit, name)))
    if sys.version_info < (3, 11):
        # asynckit raises the built-in TimeoutError; on 3.10 asyncio.TimeoutError
        # is a different class (3.11 made it an alias of the built-in).
        namespace.TimeoutError = TimeoutError  # type: ignore[attr-defined]
    return namespace


def load(module: str) -> types.ModuleType | None:
    """Import ``test.test_asyncio.<module>``, or ``None`` where it is not shipped."""
    try:
        return importlib.import_module(f"test.test_asyncio.{module}")
    except ImportError:
        return None


def cases(
    module: types.ModuleType | None, class_name: str, predicate: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """The (class, test) names of *module*'s class selected by *predicate*."""
    if module is None or not hasattr(module, class_name):
        return []
    cls = getattr(module, class_name)
    names = unittest.defaultTestLoader.getTestCaseNames(cls)
    return [(class_name, name) for name in names if predicate(name)]


class _FactoryPolicy(asyncio.DefaultEventLoopPolicy):
    def __init__(self, factory: Callable[[], asyncio.AbstractEventLoop]) -> None:
        super().__init__()
        self._factory = factory
        self._inside = False

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        if self._inside:  # the factory builds on asyncio.new_event_loop()
            return super().new_event_loop()
        self._inside = True
        try:
            return self._factory()
        finally:
            self._inside = False


@contextlib.contextmanager
def loop_policy(factory: Callable[[], asyncio.AbstractEventLoop]) -> Iterator[None]:
    """Make ``asyncio.new_event_loop()`` (used by IsolatedAsyncioTestCase) call *factory*."""
    asyncio.set_event_loop_policy(_FactoryPolicy(factory))
    try:
        yield
    finally:
        asyncio.set_event_loop_policy(None)


def run_case(module: types.ModuleType, class_name: str, test_name: str) -> unittest.TestResult:
    """Run one CPython test with the module's ``asyncio`` swapped for asynckit's namespace."""
    original = module.__dict__["asyncio"]
    module.__dict__["asyncio"] = make_namespace()
    calls.clear()
    try:
        case = getattr(module, class_name)(test_name)
        result = unittest.TestResult()
        case.run(result)
    finally:
        module.__dict__["asyncio"] = original
    return result


def expected_substitutions(module: types.ModuleType, class_name: str, test_name: str) -> set[str]:
    """The substituted names the test's source calls through ``asyncio.``."""
    source = inspect.getsource(getattr(getattr(module, class_name), test_name))
    return {name for name in SUBSTITUTED if f"asyncio.{name}(" in source}
