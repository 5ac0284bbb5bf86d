"""Under trio: a checkpoint that is never awaited."""

import trio


async def main() -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.sleep, 0)
        trio.sleep(0)  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    trio.run(main)
