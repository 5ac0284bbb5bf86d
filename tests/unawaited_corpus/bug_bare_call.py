"""A bare call: the result of a coroutine function is thrown away."""

import asyncio


async def save(record: dict[str, int]) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    save({"id": 1})  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    asyncio.run(main())
