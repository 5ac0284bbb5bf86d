"""Created in a loop callback: the callback cannot await it."""

import asyncio


async def notify(event: str) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(lambda: notify("ready"))  # BUG
    await asyncio.sleep(0)
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
