"""Created in another thread, which has no event loop to run it."""

import asyncio
import threading


async def upload(path: str) -> None:
    await asyncio.sleep(0)


def worker() -> None:
    upload("/tmp/report.csv")  # type: ignore[unused-coroutine]  # BUG


async def main() -> None:
    thread = threading.Thread(target=worker)
    thread.start()
    await asyncio.to_thread(thread.join)


if __name__ == "__main__":
    asyncio.run(main())
