"""An asyncio API that is itself a coroutine, called without await."""

import asyncio


async def step() -> None:
    await asyncio.sleep(0)


async def main() -> None:
    inner = step()
    asyncio.wait_for(inner, timeout=1)  # type: ignore[unused-coroutine]  # BUG
    await inner


if __name__ == "__main__":
    asyncio.run(main())
