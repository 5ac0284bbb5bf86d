"""Coroutines created up front and awaited much later."""

import asyncio


async def square(n: int) -> int:
    await asyncio.sleep(0)
    return n * n


async def main() -> None:
    jobs = [square(n) for n in range(5)]
    await asyncio.sleep(0)
    print([await job for job in jobs])


if __name__ == "__main__":
    asyncio.run(main())
