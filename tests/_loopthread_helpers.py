"""Shared pieces of the LoopThread tests: the loop flavours and leak counters."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import pytest

from asynckit import LoopThread
from tests._backends import HAS_TRIO, HAS_UVLOOP

if TYPE_CHECKING:
    from collections.abc import Iterator

FLAVOURS = [
    pytest.param({"backend": "asyncio", "debug": True}, id="asyncio"),
    pytest.param(
        {"backend": "asyncio", "debug": True, "use_uvloop": True},
        id="asyncio+uvloop",
        marks=pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed"),
    ),
    pytest.param(
        {"backend": "trio"},
        id="trio",
        marks=pytest.mark.skipif(not HAS_TRIO, reason="trio is not installed"),
    ),
]
ASYNCIO_FLAVOURS = FLAVOURS[:2]


@pytest.fixture(name="flavour", params=FLAVOURS)
def flavour_fixture(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The keyword arguments of one LoopThread flavour."""
    options: dict[str, Any] = request.param
    return options


@pytest.fixture(name="loop_thread")
def loop_thread_fixture(flavour: dict[str, Any]) -> Iterator[LoopThread]:
    """A started LoopThread of each flavour, closed after the test."""
    with LoopThread(**flavour) as started:
        yield started


def open_fds() -> set[str]:
    """The file descriptors open in this process (Linux), or an empty set elsewhere."""
    try:
        return set(os.listdir("/proc/self/fd"))
    except FileNotFoundError:  # pragma: no cover - not Linux
        return set()


def live_threads() -> set[threading.Thread]:
    """The live threads."""
    return set(threading.enumerate())


def threads_started_since(before: set[threading.Thread]) -> list[str]:
    """The names of the threads alive now that were not alive in ``before``.

    Threads that were alive before and have ended since (an idle worker of trio's
    thread cache, say) are not a leak, so only new ones count.
    """
    return sorted(thread.name for thread in live_threads() - before)
