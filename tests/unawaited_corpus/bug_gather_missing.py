"""One of the awaitables meant for gather is left out of the call."""

import asyncio


async def fetch(n: int) -> int:
    await asyncio.sleep(0)
    return n


async def main() -> None:
    first, second, third = fetch(1), fetch(2), fetch(3)  # BUG
    print(await asyncio.gather(first, second))
    del third


if __name__ == "__main__":
    asyncio.run(main())
