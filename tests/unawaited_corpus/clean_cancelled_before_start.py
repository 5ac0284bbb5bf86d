"""A task cancelled before it started: asyncio closes its coroutine."""

import asyncio


async def job() -> None:
    await asyncio.sleep(0)


async def main() -> None:
    task = asyncio.create_task(job())
    task.cancel()
    results = await asyncio.gather(task, return_exceptions=True)
    print(type(results[0]).__name__)


if __name__ == "__main__":
    asyncio.run(main())
