"""Helpers shared by the TaskGroup tests: backend-neutral children and checks."""

from __future__ import annotations

import gc
import inspect
import sys
from typing import TYPE_CHECKING, Any

import anyio

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from collections.abc import Coroutine


class Boom(Exception):
    """The error children raise in these tests."""


async def returns(value: Any) -> Any:
    await anyio.lowlevel.checkpoint()
    return value


async def raises(exc: BaseException) -> None:
    await anyio.lowlevel.checkpoint()
    raise exc


async def hangs() -> None:
    await anyio.sleep_forever()


def leaf_types(group: BaseException) -> set[type[BaseException]]:
    """The types of the non-group exceptions anywhere in ``group``."""
    if isinstance(group, BaseExceptionGroup):
        found: set[type[BaseException]] = set()
        for exc in group.exceptions:
            found |= leaf_types(exc)
        return found
    return {type(group)}


def is_closed(coro: Coroutine[Any, Any, Any]) -> bool:
    return inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED


def collect_garbage() -> None:
    for _ in range(3):
        gc.collect()
