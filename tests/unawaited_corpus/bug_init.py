"""A sync __init__ that starts an async connection."""

import asyncio


async def connect(dsn: str) -> str:
    await asyncio.sleep(0)
    return dsn


class Repository:
    def __init__(self, dsn: str) -> None:
        self.conn = connect(dsn)  # BUG


async def main() -> None:
    repo = Repository("postgres://localhost/app")
    print("repository ready:", type(repo.conn).__name__)


if __name__ == "__main__":
    asyncio.run(main())
