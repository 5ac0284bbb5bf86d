"""shield: the inner task survives garbage collection and its errors surface."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

import asynckit
from tests._backends import ASYNCIO_BACKENDS

pytestmark = pytest.mark.parametrize("anyio_backend", ASYNCIO_BACKENDS)


async def test_inner_task_survives_garbage_collection() -> None:
    # python/cpython#94972: nothing but the shield references the inner task.
    release = asyncio.Event()
    finished = []

    async def work() -> None:
        await release.wait()
        finished.append(True)

    async def caller() -> None:
        await asynckit.shield(work())

    task = asyncio.create_task(caller())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    del task
    for _ in range(3):
        gc.collect()
    release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert finished == [True]


async def test_error_after_caller_left_is_reported() -> None:
    loop = asyncio.get_running_loop()
    reports: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(context))
    try:
        release = asyncio.Event()

        async def work() -> None:
            await release.wait()
            raise ValueError("lost")

        outer = asynckit.shield(work())
        await asyncio.sleep(0)
        outer.cancel()
        release.set()
        for _ in range(5):
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(previous)
    assert len(reports) == 1
    assert isinstance(reports[0]["exception"], ValueError)
    assert "asynckit.shield" in reports[0]["message"]


async def test_task_passed_in_is_left_to_its_owner() -> None:
    loop = asyncio.get_running_loop()
    reports: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(context))
    try:
        release = asyncio.Event()

        async def work() -> None:
            await release.wait()
            raise ValueError("mine")

        task = asyncio.create_task(work())
        outer = asynckit.shield(task)
        await asyncio.sleep(0)
        outer.cancel()
        release.set()
        with pytest.raises(ValueError, match="mine"):
            await task
    finally:
        loop.set_exception_handler(previous)
    assert reports == []


async def test_cancelled_inner_after_caller_left_is_quiet() -> None:
    async def work() -> None:
        await asyncio.sleep(10)

    inner = asyncio.create_task(work())
    outer = asynckit.shield(inner)
    outer.cancel()
    await asyncio.sleep(0)
    inner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await inner


async def test_result_and_shortcut() -> None:
    assert await asynckit.shield(asyncio.sleep(0, "r")) == "r"
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    fut.set_result(3)
    assert asynckit.shield(fut) is fut


async def test_successful_inner_after_caller_left_is_quiet() -> None:
    inner = asyncio.create_task(asyncio.sleep(0, "r"))
    outer = asynckit.shield(inner)
    outer.cancel()
    assert await inner == "r"
