"""trio nursery with a coroutine passed through a closure and awaited there."""

from collections.abc import Coroutine
from typing import Any

import trio


async def fetch() -> int:
    await trio.sleep(0)
    return 1


async def main() -> None:
    async def run(coro: Coroutine[Any, Any, int]) -> None:
        print(await coro)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(run, fetch())


if __name__ == "__main__":
    trio.run(main)
