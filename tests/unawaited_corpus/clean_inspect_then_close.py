"""A registry that accepts callables, closing any coroutine passed by mistake."""

import asyncio
import inspect


async def handler() -> None:
    await asyncio.sleep(0)


def register(candidate: object) -> bool:
    if inspect.iscoroutine(candidate):
        candidate.close()
        return False
    return callable(candidate)


if __name__ == "__main__":
    print(register(handler()), register(handler))
