"""Fire-and-forget done right: tasks kept in a set until done, then awaited."""

import asyncio


async def handle(n: int) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    background: set[asyncio.Task[None]] = set()
    for n in range(3):
        task = asyncio.create_task(handle(n))
        background.add(task)
        task.add_done_callback(background.discard)
    await asyncio.gather(*background)
    print("all handled")


if __name__ == "__main__":
    asyncio.run(main())
