"""TaskGroup on asyncio loops driven by the test itself (not by the anyio runner)."""

# A task group is a block: pytest.raises() has to hold the whole of it.

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import pytest

from asynckit import TaskGroup
from tests._taskgroup_helpers import Boom

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from collections.abc import Callable


async def fail_soon() -> None:
    await asyncio.sleep(0)
    raise Boom


def test_keyboard_interrupt_in_child_propagates_through_the_group(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    # python/cpython#102572: with asyncio.TaskGroup the KeyboardInterrupt escapes
    # into the event loop; ours propagates out of ``async with`` after the
    # siblings are cancelled, so the caller sees it.
    seen: list[str] = []

    async def sibling() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            seen.append("sibling cancelled")
            raise

    async def interrupt() -> None:
        await asyncio.sleep(0)
        raise KeyboardInterrupt

    async def main() -> str:
        try:
            async with TaskGroup() as tg:
                tg.create_task(sibling())
                tg.create_task(interrupt())
                await asyncio.sleep(10)
        except KeyboardInterrupt:
            return "caught in main"
        return "not raised"  # pragma: no cover

    loop = asyncio_loop_factory()
    try:
        assert loop.run_until_complete(main()) == "caught in main"
    finally:
        loop.close()
    assert seen == ["sibling cancelled"]


def test_cancel_with_body_in_exit_and_failing_last_child(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def main() -> None:
        async with TaskGroup() as tg:
            tg.create_task(fail_soon())

    loop = asyncio_loop_factory()
    try:
        with pytest.raises(ExceptionGroup):
            loop.run_until_complete(main())
    finally:
        loop.close()


def test_cancelling_every_task_at_once_reaches_children_that_never_started(
    asyncio_loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    # As Runner.close() does at shutdown: every task is cancelled at once, among
    # them children the loop has not stepped yet. The group still hears of each.
    started: list[int] = []

    async def child(n: int) -> None:
        started.append(n)

    async def main() -> None:
        async with TaskGroup() as tg:
            for n in range(3):
                tg.create_task(child(n))
            for task in asyncio.all_tasks():
                task.cancel()
            await asyncio.sleep(3600)

    loop = asyncio_loop_factory()
    try:
        with pytest.raises(asyncio.CancelledError):
            loop.run_until_complete(main())
        eager = loop.get_task_factory() is not None
    finally:
        loop.close()
    assert started == ([0, 1, 2] if eager else [])
