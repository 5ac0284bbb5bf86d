"""Helpers for the debug tooling tests: coroutines to leak, and where they were made."""

from __future__ import annotations

import sys


async def work() -> int:
    return 1


def leak() -> int:
    """Create a coroutine and drop it without awaiting it; return the creating line."""
    line = sys._getframe().f_lineno + 1
    coro = work()
    del coro
    return line
