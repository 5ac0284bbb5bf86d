"""A coroutine created in a worker thread and handed back to the loop to await."""

import asyncio
from collections.abc import Coroutine
from typing import Any


async def greet(name: str) -> str:
    await asyncio.sleep(0)
    return f"hello {name}"


def make_job() -> Coroutine[Any, Any, str]:
    return greet("thread")


async def main() -> None:
    job = await asyncio.to_thread(make_job)
    print(await job)


if __name__ == "__main__":
    asyncio.run(main())
