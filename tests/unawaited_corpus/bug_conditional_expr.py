"""A conditional expression that yields a coroutine instead of a value."""

import asyncio


async def lookup(key: str) -> int:
    await asyncio.sleep(0)
    return len(key)


async def main() -> None:
    cached: dict[str, int] = {}
    value = cached.get("k") or lookup("k")  # BUG
    print("value type", type(value).__name__)


if __name__ == "__main__":
    asyncio.run(main())
