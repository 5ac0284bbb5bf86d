"""A decorator whose wrapper awaits the wrapped coroutine function."""

import asyncio
import functools
from collections.abc import Awaitable, Callable


def logged(fn: Callable[[int], Awaitable[int]]) -> Callable[[int], Awaitable[int]]:
    @functools.wraps(fn)
    async def wrapper(value: int) -> int:
        print("calling", fn.__name__)
        return await fn(value)

    return wrapper


@logged
async def double(value: int) -> int:
    await asyncio.sleep(0)
    return value * 2


async def main() -> None:
    print(await double(4))


if __name__ == "__main__":
    asyncio.run(main())
