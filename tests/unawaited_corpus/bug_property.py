"""A property that returns a coroutine, read as if it were a value."""

import asyncio
from collections.abc import Coroutine
from typing import Any


class Account:
    async def _balance(self) -> int:
        await asyncio.sleep(0)
        return 10

    @property
    def balance(self) -> Coroutine[Any, Any, int]:
        return self._balance()  # BUG


async def main() -> None:
    account = Account()
    print("balance object:", type(account.balance).__name__)


if __name__ == "__main__":
    asyncio.run(main())
