"""asyncio.run of a coroutine created in the same worker thread."""

import asyncio
import threading


async def job() -> None:
    await asyncio.sleep(0)


def worker() -> None:
    asyncio.run(job())


def main() -> None:
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    print("worker finished")


if __name__ == "__main__":
    main()
