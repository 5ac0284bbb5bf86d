"""AsyncExitStack takes the async callback and awaits it at exit."""

import asyncio
import contextlib


async def release(name: str) -> None:
    await asyncio.sleep(0)
    print("released", name)


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(release, "db")
        print("working")


if __name__ == "__main__":
    asyncio.run(main())
