"""A lambda run in an executor creates a coroutine nobody awaits."""

import asyncio


async def index(doc: str) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, lambda: index("doc-1"))  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    asyncio.run(main())
