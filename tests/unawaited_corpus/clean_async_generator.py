"""An async generator abandoned early but closed with aclose()."""

import asyncio
from collections.abc import AsyncGenerator


async def numbers() -> AsyncGenerator[int, None]:
    for n in range(10):
        await asyncio.sleep(0)
        yield n


async def main() -> None:
    gen = numbers()
    async for n in gen:
        if n == 2:
            break
    await gen.aclose()
    print("stopped at 2")


if __name__ == "__main__":
    asyncio.run(main())
