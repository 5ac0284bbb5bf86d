"""A __del__ that calls an async close method."""

import asyncio


class Session:
    async def aclose(self) -> None:
        await asyncio.sleep(0)

    def __del__(self) -> None:
        self.aclose()  # type: ignore[unused-coroutine]  # BUG


async def main() -> None:
    session = Session()
    del session


if __name__ == "__main__":
    asyncio.run(main())
