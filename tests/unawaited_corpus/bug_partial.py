"""Called through functools.partial."""

import asyncio
import functools


async def send(channel: str, message: str) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    alert = functools.partial(send, "#ops")
    alert("disk full")  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    asyncio.run(main())
