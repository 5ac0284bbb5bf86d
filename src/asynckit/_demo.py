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

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

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


async def _taskgroup() -> list[str]:
    from asynckit import TaskGroup

    async def square(n: int) -> int:
        await anyio.lowlevel.checkpoint()
        return n * n

    async def fail(n: int) -> None:
        await anyio.lowlevel.checkpoint()
        raise ValueError(f"job {n} failed")

    lines: list[str] = []
    async with TaskGroup(limit=4) as tg:
        for n in range(10):
            await tg.wait_create_task(square(n))
    lines.append(f"limit=4, 10 children, results in creation order: {tg.results()}")

    supervisor = TaskGroup(cancel_on_error=False)
    try:
        async with supervisor:
            for n in range(6):
                supervisor.start_soon(fail if n % 3 == 0 else square, n)
    except BaseExceptionGroup as group:
        lines.append(
            f"supervisor mode: {len(group.exceptions)} errors collected, "
            f"{sum(not h.exception() for h in supervisor.handles)} children succeeded"
        )

    async with TaskGroup() as tg:
        sleeper = tg.create_task(anyio.sleep_forever())
        tg.cancel()
    lines.append(f"cancel(): the group exited quietly, child cancelled={sleeper.cancelled()}")
    return lines


SECTIONS: list[Section] = [
    Section("environment", "Environment", _environment),
    Section("taskgroup", "Task groups", _taskgroup),
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
