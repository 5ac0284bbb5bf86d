"""Built in a comprehension, then only some of them awaited."""

import asyncio


async def resize(name: str) -> str:
    await asyncio.sleep(0)
    return name.upper()


async def main() -> None:
    names = ["a.png", "b.gif"]
    jobs = [resize(n) for n in names]  # BUG
    print(await jobs[0])


if __name__ == "__main__":
    asyncio.run(main())
