"""Coroutines kept in a dict and all awaited through gather."""

import asyncio


async def size(name: str) -> int:
    await asyncio.sleep(0)
    return len(name)


async def main() -> None:
    jobs = {name: size(name) for name in ["a", "bb", "ccc"]}
    sizes = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    print(sizes)


if __name__ == "__main__":
    asyncio.run(main())
