"""Created up front, then an early return skips the await."""

import asyncio


async def refresh(token: str) -> str:
    await asyncio.sleep(0)
    return token[::-1]


async def get_token(cached: str | None) -> str:
    fresh = refresh("old")  # BUG
    if cached is not None:
        return cached
    return await fresh


async def main() -> None:
    print(await get_token("cached"))


if __name__ == "__main__":
    asyncio.run(main())
