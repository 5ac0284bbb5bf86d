"""What the pytest plugin (``asynckit_pytest``) does for a test with detection enabled.

A detector scope opens before the test's setup and closes after its teardown,
once fixtures are finalised and event loops closed; closing it collects garbage
inside the scope, so whatever the test leaked is found while the test is still
current: the test errors at teardown, naming each creation site, and the next
test is never blamed. Beside the scope, a task tracker (``asynckit._debug_tasks``)
reports the asyncio tasks the test left pending, which the runners of
pytest-asyncio and anyio would otherwise cancel in silence, later.
"""

from __future__ import annotations

import pytest

from asynckit import _debug_tasks
from asynckit._debug_detector import CollectingScope
from asynckit._debug_report import format_findings
from asynckit.debug import UnawaitedCoroutineError

_SCOPE = pytest.StashKey[CollectingScope]()
_TRACKER = pytest.StashKey[_debug_tasks.TaskTracker]()


def parse_stack_depth(raw: str) -> int:
    """Validate the ``asynckit_stack_depth`` ini value."""
    try:
        depth = int(raw)
    except ValueError:
        depth = 0
    if depth < 1:
        raise pytest.UsageError(f"asynckit_stack_depth must be a positive integer, got {raw!r}")
    return depth


def begin(item: pytest.Item, stack_depth: str) -> None:
    """Open the test's detector scope."""
    depth = parse_stack_depth(stack_depth)
    scope = CollectingScope(mode="raise", stack_depth=depth)
    tracker = _debug_tasks.TaskTracker(depth)
    _debug_tasks.start(tracker)  # first: it may import uvloop, which the scope patches too
    scope.__enter__()
    item.stash[_SCOPE] = scope
    item.stash[_TRACKER] = tracker


def fixture_setup_started(scope: str) -> bool:
    """Note that a fixture of ``scope`` is being set up; whether that matters.

    Tasks created while a fixture broader than a test is being set up belong to
    the fixture (a server kept for the module), not to the current test.
    """
    tracker = _debug_tasks.current()
    if tracker is None or scope == "function":
        return False
    tracker.fixture_depth += 1
    return True


def fixture_setup_ended() -> None:
    """Undo :func:`fixture_setup_started` (when it returned ``True``)."""
    tracker = _debug_tasks.current()
    if tracker is not None:  # pragma: no branch
        tracker.fixture_depth -= 1


def end(item: pytest.Item, *, failing: bool) -> None:
    """Close the test's scope; raise if it found anything and teardown went well.

    Raises:
        UnawaitedCoroutineError: Listing what the test leaked.
    """
    __tracebackhide__ = True
    scope = item.stash.get(_SCOPE, None)
    if scope is None:  # setup never ran for this item (or failed before the scope)
        return
    tracker = item.stash[_TRACKER]
    del item.stash[_SCOPE], item.stash[_TRACKER]
    try:
        # Garbage first: a task destroyed while pending is reported as such, once.
        scope.__exit__(None, None, None)
        findings = [*scope.findings, *tracker.finish()]
    finally:
        _debug_tasks.stop()
    if not findings:
        return
    if failing:
        item.add_report_section("teardown", "asynckit", format_findings(findings))
        return
    raise UnawaitedCoroutineError(findings)
