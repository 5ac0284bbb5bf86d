"""Cleanup in a finally block that forgets to await."""

import asyncio


class Connection:
    async def close(self) -> None:
        await asyncio.sleep(0)


async def main() -> None:
    conn = Connection()
    try:
        print("working")
    finally:
        conn.close()  # type: ignore[unused-coroutine]  # BUG


if __name__ == "__main__":
    asyncio.run(main())
