"""A sync context manager's __exit__ calls an async method."""

import asyncio
from types import TracebackType


class Transaction:
    async def rollback(self) -> None:
        await asyncio.sleep(0)

    def __enter__(self) -> "Transaction":  # noqa: PYI034
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if t is not None:
            self.rollback()  # type: ignore[unused-coroutine]  # BUG


async def main() -> None:
    try:
        with Transaction():
            raise KeyError("row")
    except KeyError:
        print("rolled back?")


if __name__ == "__main__":
    asyncio.run(main())
