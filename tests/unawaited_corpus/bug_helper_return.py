"""A sync helper returns the coroutine; its caller treats it as the value."""

import asyncio


async def load_config() -> dict[str, str]:
    await asyncio.sleep(0)
    return {"mode": "fast"}


def config() -> object:
    return load_config()  # BUG


async def main() -> None:
    settings = config()
    print("settings:", type(settings).__name__)


if __name__ == "__main__":
    asyncio.run(main())
