"""``asynckit demo``: a short, real run of each capability.

Each capability contributes one section: an async function that uses the
library for real and returns the lines describing what happened.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import sniffio

from asynckit._version import __version__

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence


@dataclass(frozen=True)
class Section:
    """One demonstration: a name, a title and the async function that runs it."""

    name: str
    title: str
    run: Callable[[], Awaitable[list[str]]]


async def _environment() -> list[str]:
    library = sniffio.current_async_library()
    return [
        f"asynckit {__version__} on Python {sys.version.split()[0]}",
        f"running on the {library} backend",
    ]


async def _gather_and_map() -> list[str]:
    from asynckit._amap import amap
    from asynckit._as_completed import as_completed
    from asynckit._gather import gather

    running = peak = 0

    async def work(i: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            await anyio.sleep(0.001 if i < 40 else 0)
        finally:
            running -= 1
        if i < 0:
            raise ValueError(f"bad item {i}")
        return i * i

    results = await gather(*(work(i) for i in range(40)), limit=8)
    lines = [f"gather(40 calls, limit=8): sum {sum(results)}, at most {peak} in flight"]
    peak = 0
    squares = [r async for r in amap(work, range(10_000), limit=100)]
    lines.append(
        f"amap over 10,000 items, limit=100: {len(squares)} results in input order, "
        f"at most {peak} in flight"
    )
    try:
        await gather(work(1), work(-1), work(2), limit=2, cancel_on_error=True)
    except ValueError as exc:
        lines.append(f"gather(cancel_on_error=True): raised {exc!r} after cancelling the rest")
    if sniffio.current_async_library() == "asyncio":
        first = None
        async with as_completed([work(i) for i in range(5)], limit=2) as finished:
            async for fut in finished:
                first = await fut
                break
        lines.append(f"as_completed(limit=2): first result {first}, the rest cancelled on exit")
    else:
        lines.append("as_completed and wait are asyncio-only: use amap(..., ordered=False)")
    return lines


SECTIONS: list[Section] = [
    Section("environment", "Environment", _environment),
    Section("gather", "Bounded gather and map", _gather_and_map),
]


def run_demo(*, backend: str, only: Sequence[str] | None, list_only: bool) -> int:
    """Run the demonstration sections and print what each did.

    Args:
        backend: ``"asyncio"`` or ``"trio"``.
        only: Names of the sections to run; all of them when ``None``.
        list_only: Print the section names and return without running them.

    Returns:
        The process exit status: 0 on success, 2 for an unknown section name.
    """
    if list_only:
        for section in SECTIONS:
            print(f"{section.name:12} {section.title}")
        return 0
    names = {section.name for section in SECTIONS}
    unknown = sorted(set(only or ()) - names)
    if unknown:
        print(
            f"asynckit demo: unknown section(s) {', '.join(unknown)}; "
            f"choose from {', '.join(sorted(names))}",
            file=sys.stderr,
        )
        return 2
    selected = [s for s in SECTIONS if not only or s.name in only]

    async def main() -> None:
        for section in selected:
            print(f"== {section.title} ==")
            started = time.perf_counter()
            for line in await section.run():
                print(f"  {line}")
            print(f"  ({time.perf_counter() - started:.3f} s)")

    anyio.run(main, backend=backend)
    return 0
