"""A retry loop whose back-off sleep is never awaited."""

import asyncio


async def main() -> None:
    attempts = 0
    while attempts < 1:
        attempts += 1
        print("attempt", attempts, "failed, backing off")
        asyncio.sleep(0.01)  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    asyncio.run(main())
