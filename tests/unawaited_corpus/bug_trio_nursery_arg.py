"""Under trio: a coroutine object built for start_soon's argument list."""

import trio


async def tick(label: str) -> None:
    await trio.sleep(0)


async def run_labelled(label: str, extra: object) -> None:
    await trio.sleep(0)


async def main() -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run_labelled, "a", tick("a"))  # BUG


if __name__ == "__main__":
    trio.run(main)
