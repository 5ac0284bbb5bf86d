"""An override calls the async base method without await."""

import asyncio


class Service:
    async def start(self) -> None:
        await asyncio.sleep(0)


class WebService(Service):
    async def start(self) -> None:
        super().start()  # type: ignore[unused-coroutine]  # BUG
        print("web service started")


async def main() -> None:
    await WebService().start()


if __name__ == "__main__":
    asyncio.run(main())
