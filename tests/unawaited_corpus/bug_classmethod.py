"""An async factory classmethod called without await."""

import asyncio


class Model:
    @classmethod
    async def create(cls, name: str) -> "Model":
        await asyncio.sleep(0)
        return cls()


async def main() -> None:
    model = Model.create("item")  # BUG
    print("created", type(model).__name__)


if __name__ == "__main__":
    asyncio.run(main())
