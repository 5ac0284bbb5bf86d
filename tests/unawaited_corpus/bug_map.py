"""Built by map() and only counted."""

import asyncio


async def ping(host: str) -> bool:
    await asyncio.sleep(0)
    return True


async def main() -> None:
    checks = list(map(ping, ["db"]))  # BUG
    print(len(checks), "checks")


if __name__ == "__main__":
    asyncio.run(main())
