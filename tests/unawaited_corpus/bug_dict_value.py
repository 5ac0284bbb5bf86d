"""Stored in a dict whose entries are never awaited."""

import asyncio


async def warm(cache: str) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    pending = {"users": warm("users")}  # BUG
    print("warming", list(pending))


if __name__ == "__main__":
    asyncio.run(main())
