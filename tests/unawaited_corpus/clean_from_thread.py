"""A worker thread calls back into the loop with anyio.from_thread.run."""

import anyio
import anyio.from_thread
import anyio.to_thread


async def record(value: int) -> int:
    await anyio.sleep(0)
    return value * 2


def blocking_work() -> int:
    return anyio.from_thread.run(record, 21)


async def main() -> None:
    print(await anyio.to_thread.run_sync(blocking_work))


if __name__ == "__main__":
    anyio.run(main)
