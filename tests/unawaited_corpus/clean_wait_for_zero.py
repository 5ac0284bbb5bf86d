"""wait_for with a zero timeout: the coroutine is wrapped, then cancelled."""

import asyncio


async def slow() -> None:
    await asyncio.sleep(3600)


async def main() -> None:
    try:
        await asyncio.wait_for(slow(), timeout=0)
    except asyncio.TimeoutError:
        print("timed out")


if __name__ == "__main__":
    asyncio.run(main())
