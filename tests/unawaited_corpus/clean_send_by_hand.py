"""A coroutine driven by hand with send(), as an event loop would."""

from collections.abc import Coroutine
from typing import Any


async def add(a: int, b: int) -> int:
    return a + b


def drive(coro: Coroutine[Any, Any, int]) -> int:
    try:
        coro.send(None)
    except StopIteration as stop:
        result: int = stop.value
        return result
    raise RuntimeError("the coroutine suspended")


if __name__ == "__main__":
    print(drive(add(2, 3)))
