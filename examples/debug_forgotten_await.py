"""A small service with a forgotten await; run it under ``asynckit debug`` to find it.

    asynckit debug examples/debug_forgotten_await.py

Plain ``python`` prints at most a RuntimeWarning pointing at wherever the
coroutine happened to be garbage collected; ``asynckit debug`` names the line
that created it and exits with status 1.
"""

from __future__ import annotations

import asyncio


async def save(orders: dict[int, str], order_id: int, item: str) -> None:
    await asyncio.sleep(0)
    orders[order_id] = item


async def audit(order_id: int) -> None:
    await asyncio.sleep(0)
    print(f"order {order_id} audited")


async def place_order(orders: dict[int, str], order_id: int, item: str) -> None:
    await save(orders, order_id, item)
    pending_audit = audit(order_id)  # forgot to await this one
    del pending_audit


async def main() -> None:
    orders: dict[int, str] = {}
    await place_order(orders, 1, "book")
    print(f"{len(orders)} order(s) saved")


if __name__ == "__main__":
    asyncio.run(main())
