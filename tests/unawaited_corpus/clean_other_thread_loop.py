"""A coroutine created here and run by another thread's loop."""

import asyncio
import threading


async def work() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def main() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="loop-thread")
    thread.start()
    try:
        print(asyncio.run_coroutine_threadsafe(work(), loop).result(timeout=30))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


if __name__ == "__main__":
    main()
