"""What the pytest plugin (``asynckit_pytest``) does for a test with detection enabled.

A detector scope opens before the test's setup and closes after its teardown,
once fixtures are finalised and event loops closed; closing it collects garbage
inside the scope, so whatever the test leaked is found while the test is still
current: the test errors at teardown, naming each creation site, and the next
test is never blamed.
"""

from __future__ import annotations

import pytest

from asynckit._debug_detector import CollectingScope
from asynckit._debug_report import format_findings
from asynckit.debug import UnawaitedCoroutineError

_SCOPE = pytest.StashKey[CollectingScope]()


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
    scope = CollectingScope(mode="raise", stack_depth=parse_stack_depth(stack_depth))
    scope.__enter__()
    item.stash[_SCOPE] = scope


def end(item: pytest.Item, *, failing: bool) -> None:
    """Close the test's scope; raise if it found anything and teardown went well.

    Raises:
        UnawaitedCoroutineError: Listing what the test leaked.
    """
    __tracebackhide__ = True
    scope = item.stash.get(_SCOPE, None)
    if scope is None:  # setup never ran for this item (or failed before the scope)
        return
    del item.stash[_SCOPE]
    scope.__exit__(None, None, None)
    if not scope.findings:
        return
    if failing:
        item.add_report_section("teardown", "asynckit", format_findings(scope.findings))
        return
    raise UnawaitedCoroutineError(scope.findings)
