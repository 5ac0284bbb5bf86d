"""Handed to run_coroutine_threadsafe for a loop that is already closed."""

import asyncio


async def publish(topic: str) -> None:
    await asyncio.sleep(0)


def main() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    try:
        asyncio.run_coroutine_threadsafe(publish("news"), loop)  # BUG
    except RuntimeError as exc:
        print("failed:", exc)


if __name__ == "__main__":
    main()
