"""A coroutine sent into an async generator with asend, which never awaits it."""

import asyncio
from collections.abc import AsyncGenerator


async def render(item: str) -> str:
    await asyncio.sleep(0)
    return item


async def sink() -> AsyncGenerator[int, object]:
    count = 0
    while True:
        received = yield count
        if received is not None:
            count += 1


async def main() -> None:
    gen = sink()
    await gen.asend(None)
    await gen.asend(render("page"))  # BUG
    await gen.aclose()


if __name__ == "__main__":
    asyncio.run(main())
