"""Static types of ``gather``, ``wait``, ``as_completed`` and ``amap``, proved with ``assert_type``.

mypy checks this file (``mypy --strict`` runs on ``tests/``); the test below also
runs it, so every call is real.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING, Any

import pytest

import asynckit
from tests._backends import ASYNCIO_BACKENDS

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)


async def an_int() -> int:
    return 1


async def a_str() -> str:
    return "s"


async def a_bytes() -> bytes:
    return b"b"


async def a_float() -> float:
    return 1.0


async def gather_types() -> None:
    a, b = await asynckit.gather(an_int(), a_str())
    assert_type(a, int)
    assert_type(b, str)
    assert_type(await asynckit.gather(an_int()), tuple[int])
    assert_type(await asynckit.gather(an_int(), a_str(), limit=1), tuple[int, str])
    assert_type(
        await asynckit.gather(an_int(), a_str(), a_bytes(), cancel_on_error=True),
        tuple[int, str, bytes],
    )
    assert_type(
        await asynckit.gather(an_int(), a_str(), a_bytes(), a_float()),
        tuple[int, str, bytes, float],
    )
    assert_type(
        await asynckit.gather(an_int(), a_str(), a_bytes(), a_float(), an_int()),
        tuple[int, str, bytes, float, int],
    )
    assert_type(
        await asynckit.gather(an_int(), a_str(), a_bytes(), a_float(), an_int(), a_str()),
        tuple[int, str, bytes, float, int, str],
    )
    seven = await asynckit.gather(*(an_int() for _ in range(7)), limit=3)
    assert_type(seven, list[int])

    x, y = await asynckit.gather(an_int(), a_str(), return_exceptions=True)
    assert_type(x, int | BaseException)
    assert_type(y, str | BaseException)
    assert_type(await asynckit.gather(an_int(), return_exceptions=True), tuple[int | BaseException])
    assert_type(
        await asynckit.gather(
            an_int(), a_str(), a_bytes(), a_float(), an_int(), a_str(), return_exceptions=True
        ),
        tuple[
            int | BaseException,
            str | BaseException,
            bytes | BaseException,
            float | BaseException,
            int | BaseException,
            str | BaseException,
        ],
    )
    many = await asynckit.gather(*[an_int() for _ in range(8)], return_exceptions=True)
    assert_type(many, list[int | BaseException])
    assert_type(asynckit.gather(an_int(), limit=2), asyncio.Future[tuple[int]])


async def wait_and_as_completed_types() -> None:
    tasks = [asyncio.ensure_future(an_int()) for _ in range(3)]
    done, pending = await asynckit.wait(tasks)
    assert_type(done, set[asyncio.Task[int]])
    assert_type(pending, set[asyncio.Task[int]])
    done2, _ = await asynckit.wait([an_int()], limit=1)
    assert_type(done2, set[asyncio.Future[int]])
    for coro in asynckit.as_completed(tasks):
        assert_type(await coro, int)
    async for fut in asynckit.as_completed([an_int()], limit=1):
        assert_type(fut, asyncio.Future[int])
    async with asynckit.as_completed(tasks) as results:
        async for fut in results:
            assert_type(fut.result(), int)


async def amap_types() -> None:
    async def double(i: int) -> float:
        return i * 2.0

    async def numbers() -> AsyncIterator[int]:
        yield 1

    async for value in asynckit.amap(double, range(3), limit=2):
        assert_type(value, float)
    async for value in asynckit.amap(double, numbers(), limit=2, ordered=False):
        assert_type(value, float)
    async with asynckit.amap(double, [1, 2], limit=2, return_exceptions=True) as results:
        async for outcome in results:
            assert_type(outcome, float | Exception)


@pytest.mark.parametrize("check", [gather_types, wait_and_as_completed_types, amap_types])
async def test_type_examples_run(check: Any) -> None:
    await check()
