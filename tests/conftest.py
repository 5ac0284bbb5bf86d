"""Shared fixtures: the backend matrix every backend-neutral test runs on.

Tests marked ``anyio`` (or async tests, with ``anyio_mode``-style discovery through
the ``anyio_backend`` fixture) run once per entry of :data:`BACKENDS`:

* ``asyncio``: the default event loop with debug mode on;
* ``asyncio+uvloop``: uvloop's loop (skipped where uvloop is not installed);
* ``asyncio+eager``: the default loop with ``asyncio.eager_task_factory`` (3.12+);
* ``trio``: trio (skipped where trio is not installed).

Asyncio-only tests parametrise ``anyio_backend`` with
:data:`tests._backends.ASYNCIO_BACKENDS`; tests that drive their own loop (CPython's
test classes, sync code) take the ``asyncio_loop_factory`` fixture.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from tests._backends import ASYNCIO_BACKENDS, BACKENDS

if TYPE_CHECKING:
    from collections.abc import Callable


@pytest.fixture(params=BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """Every backend: asyncio (debug), asyncio+uvloop, asyncio+eager, trio."""
    backend: tuple[str, dict[str, Any]] = request.param
    return backend


@pytest.fixture
def anyio_backend_name(anyio_backend: tuple[str, dict[str, Any]]) -> str:
    """The backend's library name: ``"asyncio"`` or ``"trio"``."""
    return anyio_backend[0]


@pytest.fixture(params=ASYNCIO_BACKENDS)
def asyncio_loop_factory(
    request: pytest.FixtureRequest,
) -> Callable[[], asyncio.AbstractEventLoop]:
    """A loop factory for each asyncio flavour, for asyncio-only drop-in tests.

    The loops it makes have debug mode on, as in :data:`BACKENDS`.
    """
    options: dict[str, Any] = request.param[1]
    base: Callable[[], asyncio.AbstractEventLoop] = options.get(
        "loop_factory", asyncio.new_event_loop
    )

    def factory() -> asyncio.AbstractEventLoop:
        loop = base()
        loop.set_debug(True)
        return loop

    return factory


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip_slow = pytest.mark.skip(reason="slow test: pass --run-slow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
