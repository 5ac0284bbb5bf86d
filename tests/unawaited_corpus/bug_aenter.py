"""__aenter__ called by hand without await."""

import asyncio
from types import TracebackType


class Lock:
    async def __aenter__(self) -> "Lock":  # noqa: PYI034
        await asyncio.sleep(0)
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.sleep(0)


async def main() -> None:
    lock = Lock()
    lock.__aenter__()  # type: ignore[unused-coroutine]  # BUG
    await lock.__aexit__(None, None, None)


if __name__ == "__main__":
    asyncio.run(main())
