"""``asynckit demo``: a short, real run of each capability.

Each capability contributes one section: an async function that uses the
library for real and returns the lines describing what happened.
"""

from __future__ import annotations

import contextvars
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import sniffio

from asynckit._version import __version__

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence


_DEMO_REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request", default="-")


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


def _demo_lookup(user: str, *, retries: int) -> str:
    return f"{user}, retries={retries}, request {_DEMO_REQUEST.get()}"


def _demo_crunch() -> int:
    from asynckit import from_thread

    steps = 0
    while True:  # until the caller is cancelled
        from_thread.check_cancelled()
        steps += 1
        if steps % 1000 == 0:
            time.sleep(0.001)


async def _executors() -> list[str]:
    import concurrent.futures

    import asynckit

    _DEMO_REQUEST.set("r-42")
    lines = [f"to_thread: {await asynckit.to_thread(_demo_lookup, 'ada', retries=3)}"]
    with anyio.move_on_after(0.05) as scope:
        await asynckit.to_thread(_demo_crunch)
    lines.append(f"to_thread: cancelled a busy thread cooperatively: {scope.cancelled_caught}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        value = await asynckit.run_in_executor(pool, _demo_lookup, "bob", retries=1)
    lines.append(f"run_in_executor(ThreadPoolExecutor): {value}")
    lines.append(f"to_process: pow(2, 100) = {await asynckit.to_process(pow, 2, 100)}")
    return lines


SECTIONS: list[Section] = [
    Section("environment", "Environment", _environment),
    Section("executors", "Executor bridges", _executors),
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
