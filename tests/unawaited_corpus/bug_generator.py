"""A generator of coroutines whose consumer skips one."""

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any


async def download(url: str) -> str:
    await asyncio.sleep(0)
    return url


def downloads(urls: list[str]) -> Iterator[Coroutine[Any, Any, str]]:
    for url in urls:
        yield download(url)  # BUG


async def main() -> None:
    for job in downloads(["https://a.example", "skip://b.example"]):
        if "skip" in repr(job.cr_frame.f_locals):
            continue
        print(await job)


if __name__ == "__main__":
    asyncio.run(main())
