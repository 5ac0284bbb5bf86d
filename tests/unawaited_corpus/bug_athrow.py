"""An async generator's error path, reached through athrow, forgets to await."""

import asyncio
from collections.abc import AsyncGenerator


async def report(error: str) -> None:
    await asyncio.sleep(0)


async def readings() -> AsyncGenerator[int, None]:
    try:
        yield 1
    except ValueError as exc:
        report(str(exc))  # type: ignore[unused-coroutine]  # BUG
        yield -1


async def main() -> None:
    gen = readings()
    await gen.__anext__()
    await gen.athrow(ValueError("sensor offline"))
    await gen.aclose()


if __name__ == "__main__":
    asyncio.run(main())
