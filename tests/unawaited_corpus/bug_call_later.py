"""A timer callback scheduled with call_later creates the coroutine."""

import asyncio


async def heartbeat() -> None:
    await asyncio.sleep(0)


async def main() -> None:
    loop = asyncio.get_running_loop()
    fired = asyncio.Event()
    loop.call_later(0, lambda: heartbeat())  # BUG
    loop.call_later(0, fired.set)
    await fired.wait()


if __name__ == "__main__":
    asyncio.run(main())
