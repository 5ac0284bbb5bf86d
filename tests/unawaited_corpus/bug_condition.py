"""Used as a condition: a coroutine object is always true."""

import asyncio


async def is_allowed(user: str) -> bool:
    await asyncio.sleep(0)
    return user == "admin"


async def main() -> None:
    if is_allowed("guest"):  # type: ignore[truthy-bool]  # BUG
        print("access granted")


if __name__ == "__main__":
    asyncio.run(main())
