"""A wrapper task cancelled before it awaited the coroutine it was given."""

import asyncio
from collections.abc import Coroutine
from typing import Any


async def job() -> int:
    await asyncio.sleep(0)
    return 1


async def supervise(coro: Coroutine[Any, Any, int]) -> int:
    return await coro


async def main() -> None:
    task = asyncio.create_task(supervise(job()))  # BUG
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
