"""__anext__ of an async iterator called by hand without await."""

import asyncio


class Ticker:
    def __init__(self) -> None:
        self.n = 0

    def __aiter__(self) -> "Ticker":
        return self

    async def __anext__(self) -> int:
        await asyncio.sleep(0)
        self.n += 1
        return self.n


async def main() -> None:
    ticker = Ticker()
    first = ticker.__anext__()  # BUG
    print("first tick:", type(first).__name__)


if __name__ == "__main__":
    asyncio.run(main())
