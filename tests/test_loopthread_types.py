"""The static types of LoopThread and syncify, checked by mypy (and run as a test)."""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio

from asynckit import LoopThread, LoopThreadFuture, LoopThreadStatistics, syncify

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

if sys.version_info >= (3, 11):
    from typing import assert_type
else:  # pragma: no cover
    from typing_extensions import assert_type


async def scaled(value: int, factor: float) -> float:
    await anyio.lowlevel.checkpoint()
    return value * factor


async def greet(name: str, *, punctuation: str = "!") -> str:
    await anyio.lowlevel.checkpoint()
    return f"hello {name}{punctuation}"


@asynccontextmanager
async def resource() -> AsyncIterator[bytes]:
    yield b"data"


async def numbers() -> AsyncIterator[int]:
    yield 1


def test_result_types_follow_the_function() -> None:
    with LoopThread() as loop_thread:
        assert_type(loop_thread.run(scaled, 2, 1.5), float)
        assert_type(loop_thread.run(scaled(2, 1.5)), float)
        assert_type(loop_thread.submit(scaled, 2, 0.5), LoopThreadFuture[float])
        assert_type(loop_thread.call(len, "abc"), int)
        with loop_thread.enter(resource()) as data:
            assert_type(data, bytes)
        for number in loop_thread.iterate(numbers()):
            assert_type(number, int)
        assert_type(loop_thread.statistics(), LoopThreadStatistics)
    sync_greet = syncify(greet)
    assert_type(sync_greet("ada", punctuation="?"), str)
    assert sync_greet("ada", punctuation="?") == "hello ada?"
