"""Created, then an exception on the way to the await drops it."""

import asyncio


async def charge(amount: int) -> None:
    await asyncio.sleep(0)


def validate(amount: int) -> None:
    if amount < 0:
        raise ValueError("negative amount")


async def main() -> None:
    try:
        payment = charge(-5)  # BUG
        validate(-5)
        await payment
    except ValueError as exc:
        print("rejected:", exc)


if __name__ == "__main__":
    asyncio.run(main())
