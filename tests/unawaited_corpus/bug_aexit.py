"""An async context manager's __aexit__ forgets to await its flush."""

import asyncio
from types import TracebackType


class Writer:
    async def flush(self) -> None:
        await asyncio.sleep(0)

    async def __aenter__(self) -> "Writer":  # noqa: PYI034
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.flush()  # type: ignore[unused-coroutine]  # BUG


async def main() -> None:
    async with Writer():
        print("writing")


if __name__ == "__main__":
    asyncio.run(main())
