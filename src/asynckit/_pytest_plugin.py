"""The pytest plugin: fail the test that leaks a never-awaited coroutine or a lost task.

Registered through the ``pytest11`` entry point, so it loads wherever asynckit is
installed; it does nothing until enabled, with the ``asynckit_detect_unawaited``
ini option, the ``--asynckit-detect-unawaited`` flag, or per test with the
``asynckit_detect_unawaited`` marker. When enabled for a test, a detector scope
spans the test's setup, call and teardown; after teardown (fixtures finalised,
event loops closed) garbage is collected inside the scope, so what the test
leaked is found while the test is still current, and the test errors at teardown
with the creation site of each leak. The next test is never blamed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from asynckit._debug_detector import CollectingScope
from asynckit._debug_report import format_findings
from asynckit.debug import UnawaitedCoroutineError

if TYPE_CHECKING:
    from collections.abc import Generator

_OPTION = "asynckit_detect_unawaited"
_SCOPE = pytest.StashKey[CollectingScope]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asynckit", "asynckit debug tooling")
    group.addoption(
        "--asynckit-detect-unawaited",
        action="store_true",
        default=None,
        dest=_OPTION,
        help="fail tests that leak never-awaited coroutines, pending tasks or "
        "unretrieved task exceptions (overrides the ini option)",
    )
    group.addoption(
        "--no-asynckit-detect-unawaited",
        action="store_false",
        dest=_OPTION,
        help="turn the detection off (overrides the ini option)",
    )
    parser.addini(
        _OPTION,
        type="bool",
        default=False,
        help="fail tests that leak never-awaited coroutines, pending tasks or "
        "unretrieved task exceptions (default: false)",
    )
    parser.addini(
        "asynckit_stack_depth",
        type="string",
        default="8",
        help="frames of each creation stack shown in the failure (default: 8)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_OPTION}(enabled=True): turn asynckit's never-awaited detection on "
        "(or off) for this test, whatever the ini option says",
    )


def _enabled(item: pytest.Item) -> bool:
    marker = item.get_closest_marker(_OPTION)
    if marker is not None:
        return bool(marker.args[0] if marker.args else marker.kwargs.get("enabled", True))
    option = item.config.getoption(_OPTION)
    if option is not None:
        return bool(option)
    return bool(item.config.getini(_OPTION))


def _stack_depth(config: pytest.Config) -> int:
    raw = config.getini("asynckit_stack_depth")
    try:
        depth = int(raw)
    except ValueError:
        raise pytest.UsageError(
            f"asynckit_stack_depth must be a positive integer, got {raw!r}"
        ) from None
    if depth < 1:
        raise pytest.UsageError(f"asynckit_stack_depth must be a positive integer, got {raw!r}")
    return depth


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if _enabled(item):
        scope = CollectingScope(mode="raise", stack_depth=_stack_depth(item.config))
        scope.__enter__()
        item.stash[_SCOPE] = scope
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    __tracebackhide__ = True
    scope = item.stash.get(_SCOPE, None)
    if scope is None:
        return (yield)
    del item.stash[_SCOPE]
    try:
        result = yield
    except BaseException:
        scope.__exit__(None, None, None)
        if scope.findings:
            item.add_report_section("teardown", "asynckit", format_findings(scope.findings))
        raise
    scope.__exit__(None, None, None)
    if scope.findings:
        raise UnawaitedCoroutineError(scope.findings)
    return result
