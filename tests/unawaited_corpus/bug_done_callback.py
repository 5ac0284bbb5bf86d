"""A done-callback that starts follow-up work without a loop to run it on."""

import asyncio


async def audit(result: int) -> None:
    await asyncio.sleep(0)


async def compute() -> int:
    return 7


async def main() -> None:
    task = asyncio.create_task(compute())
    task.add_done_callback(lambda t: audit(t.result()))  # BUG
    await task
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
