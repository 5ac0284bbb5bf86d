"""Under anyio: a worker thread that calls a coroutine function."""

import anyio
import anyio.to_thread


async def flush() -> None:
    await anyio.sleep(0)


async def main() -> None:
    await anyio.to_thread.run_sync(lambda: flush())  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    anyio.run(main)
