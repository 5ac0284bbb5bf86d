"""A coroutine that is not needed after all is closed explicitly."""

import asyncio


async def expensive() -> int:
    await asyncio.sleep(0)
    return 1


async def main(use_cache: bool) -> None:
    job = expensive()
    if use_cache:
        job.close()
        print("cached")
    else:
        print(await job)


if __name__ == "__main__":
    asyncio.run(main(use_cache=True))
