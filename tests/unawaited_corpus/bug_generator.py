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
    urls = ["https://a.example", "skip://b.example"]
    for url, job in zip(urls, downloads(urls), strict=True):
        if url.startswith("skip:"):
            continue
        print(await job)


if __name__ == "__main__":
    asyncio.run(main())
