"""The backend matrix shared by the test suite.

``BACKENDS`` is every backend a backend-neutral test runs on; ``ASYNCIO_BACKENDS``
is the asyncio subset, for asyncio-only drop-ins::

    pytestmark = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from typing import Any

import pytest

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None
HAS_TRIO = importlib.util.find_spec("trio") is not None
HAS_EAGER = sys.version_info >= (3, 12)


def _uvloop_factory() -> asyncio.AbstractEventLoop:
    import uvloop

    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def _eager_factory() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
    return loop


def _asyncio_params() -> list[Any]:
    params: list[Any] = [
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param(
            ("asyncio", {"debug": True, "loop_factory": _uvloop_factory}),
            id="asyncio+uvloop",
            marks=pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed"),
        ),
        pytest.param(
            ("asyncio", {"debug": True, "loop_factory": _eager_factory}),
            id="asyncio+eager",
            marks=pytest.mark.skipif(not HAS_EAGER, reason="eager tasks need Python 3.12+"),
        ),
    ]
    return params


ASYNCIO_BACKENDS = _asyncio_params()
BACKENDS = [
    *ASYNCIO_BACKENDS,
    pytest.param(
        ("trio", {}),
        id="trio",
        marks=pytest.mark.skipif(not HAS_TRIO, reason="trio is not installed"),
    ),
]
