"""A decorator whose wrapper calls the coroutine function without awaiting it."""

import asyncio
import functools
from collections.abc import Awaitable, Callable


def logged(fn: Callable[[int], Awaitable[None]]) -> Callable[[int], Awaitable[None]]:
    @functools.wraps(fn)
    async def wrapper(value: int) -> None:
        print("calling", fn.__name__)
        fn(value)  # BUG

    return wrapper


@logged
async def store(value: int) -> None:
    await asyncio.sleep(0)


async def main() -> None:
    await store(3)


if __name__ == "__main__":
    asyncio.run(main())
