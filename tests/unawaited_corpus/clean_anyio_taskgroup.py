"""anyio task group: start_soon takes the function, not a coroutine object."""

import anyio


async def worker(n: int, out: list[int]) -> None:
    await anyio.sleep(0)
    out.append(n)


async def main() -> None:
    out: list[int] = []
    async with anyio.create_task_group() as tg:
        for n in range(3):
            tg.start_soon(worker, n, out)
    print(sorted(out))


if __name__ == "__main__":
    anyio.run(main)
