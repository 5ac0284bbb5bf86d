"""asynckit's pytest plugin: fail the test that leaks a never-awaited coroutine or a lost task.

Registered through the ``pytest11`` entry point (plugin name ``asynckit``), so it is
loaded wherever asynckit is installed; it does nothing until enabled, with the
``asynckit_detect_unawaited`` ini option, the ``--asynckit-detect-unawaited`` flag,
or per test with the ``asynckit_detect_unawaited`` marker. See
``asynckit._debug_pytest`` for what happens then.

It lives outside the ``asynckit`` package and imports it only for tests that
enable the detection: pytest imports entry-point plugins before coverage
measurement starts and marks their package for assertion rewriting, and neither
should happen to the whole library just because it is installed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator

OPTION = "asynckit_detect_unawaited"
DEPTH_OPTION = "asynckit_stack_depth"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the ini options and command-line flags."""
    group = parser.getgroup("asynckit", "asynckit debug tooling")
    group.addoption(
        "--asynckit-detect-unawaited",
        action="store_true",
        default=None,
        dest=OPTION,
        help="fail tests that leak never-awaited coroutines, pending tasks or "
        "unretrieved task exceptions (overrides the ini option)",
    )
    group.addoption(
        "--no-asynckit-detect-unawaited",
        action="store_false",
        dest=OPTION,
        help="turn that detection off (overrides the ini option)",
    )
    parser.addini(
        OPTION,
        type="bool",
        default=False,
        help="fail tests that leak never-awaited coroutines, pending tasks or "
        "unretrieved task exceptions (default: false)",
    )
    parser.addini(
        DEPTH_OPTION,
        type="string",
        default="8",
        help="frames of each creation stack shown in the failure (default: 8)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers",
        f"{OPTION}(enabled=True): turn asynckit's never-awaited detection on "
        "(or off) for this test, whatever the ini option says",
    )


def enabled(item: pytest.Item) -> bool:
    """Whether the detection is on for ``item``: marker, then flag, then ini option."""
    marker = item.get_closest_marker(OPTION)
    if marker is not None:
        return bool(marker.args[0] if marker.args else marker.kwargs.get("enabled", True))
    option = item.config.getoption(OPTION)
    if option is not None:
        return bool(option)
    return bool(item.config.getini(OPTION))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Open a detector scope before the test's fixtures are set up."""
    if enabled(item):
        from asynckit._debug_pytest import begin

        begin(item, item.config.getini(DEPTH_OPTION))
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> Generator[None, object, object]:
    """Tell the running test's task tracker when a broader-scoped fixture is set up."""
    debug_pytest = sys.modules.get("asynckit._debug_pytest")  # imported once enabled
    if debug_pytest is None or not debug_pytest.fixture_setup_started(fixturedef.scope):
        return (yield)
    try:
        return (yield)
    finally:
        debug_pytest.fixture_setup_ended()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    """After the fixtures are torn down, close the scope and fail on its findings."""
    __tracebackhide__ = True
    if not enabled(item):
        return (yield)
    from asynckit._debug_pytest import end

    try:
        result = yield
    except BaseException:
        end(item, failing=True)
        raise
    end(item, failing=False)
    return result
