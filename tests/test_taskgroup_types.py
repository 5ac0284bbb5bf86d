"""The TaskGroup API's types, checked by mypy (``assert_type``) and run as a test."""

from __future__ import annotations

import sys

import anyio

from asynckit import TaskGroup, TaskHandle

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


async def number() -> int:
    await anyio.lowlevel.checkpoint()
    return 1


async def echo(text: str, times: int) -> str:
    await anyio.lowlevel.checkpoint()
    return text * times


async def test_handle_types() -> None:
    async with TaskGroup() as tg:
        created = tg.create_task(number())
        assert_type(created, TaskHandle[int])
        started = tg.start_soon(echo, "a", 2)
        assert_type(started, TaskHandle[str])
        waited = await tg.wait_create_task(echo("b", 1))
        assert_type(waited, TaskHandle[str])
        assert_type(await created, int)
    assert_type(started.result(), str)
    assert_type(waited.exception(), BaseException | None)
    assert (created.result(), started.result(), waited.result()) == (1, "aa", "b")
