"""A coroutine that is never started but thrown into, which finishes it."""

from collections.abc import Coroutine
from typing import Any


async def step() -> None:
    return None


def abort(coro: Coroutine[Any, Any, None]) -> None:
    try:
        coro.throw(KeyboardInterrupt)
    except KeyboardInterrupt:
        print("aborted before it started")


if __name__ == "__main__":
    abort(step())
