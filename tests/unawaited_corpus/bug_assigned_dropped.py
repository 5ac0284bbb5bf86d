"""Assigned to a name, then the name goes out of scope."""

import asyncio


async def fetch_user(user_id: int) -> str:
    await asyncio.sleep(0)
    return f"user-{user_id}"


async def main() -> None:
    user = fetch_user(1)  # BUG
    print("fetched", type(user).__name__)


if __name__ == "__main__":
    asyncio.run(main())
