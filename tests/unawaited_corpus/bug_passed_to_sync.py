"""Passed to a sync function that only inspects its argument."""

import asyncio


async def compute() -> int:
    await asyncio.sleep(0)
    return 42


def log_value(value: object) -> None:
    print("value is", type(value).__name__)


async def main() -> None:
    log_value(compute())  # BUG


if __name__ == "__main__":
    asyncio.run(main())
