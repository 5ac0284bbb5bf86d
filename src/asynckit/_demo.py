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


async def _timeouts() -> list[str]:
    import anyio

    import asynckit

    lines = []
    cm = asynckit.timeout(0.05)
    try:
        async with cm:
            await anyio.sleep(10)
    except TimeoutError:
        lines.append(f"timeout(0.05) around a 10 s sleep: TimeoutError, scope {cm!r}")
    async with asynckit.move_on_after(0.05) as scope:
        await anyio.sleep(10)
    lines.append(f"move_on_after(0.05): carried on, cancelled_caught={scope.cancelled_caught}")

    async def fetch() -> str:
        await anyio.sleep(0.01)
        return "payload"

    result = await asynckit.wait_for(fetch(), 1)
    lines.append(f"wait_for(fetch(), 1) returned {result!r} before its deadline")
    steps = []
    try:
        async with asynckit.timeout(0.01):
            with asynckit.shielded():
                await anyio.sleep(0.05)
                steps.append("shielded cleanup finished past the deadline")
            await anyio.sleep(10)
    except TimeoutError:
        steps.append("then the timeout took effect")
    lines.append("; ".join(steps))
    with anyio.CancelScope() as outer:
        outer.cancel()
        async with asynckit.timeout(0):
            await anyio.sleep(1)
    lines.append(
        "timeout(0) after a pending cancellation: the cancellation propagated "
        f"(caught by its own scope: {outer.cancelled_caught})"
    )
    if sniffio.current_async_library() == "asyncio":
        import asyncio

        async def work() -> str:
            await asyncio.sleep(0.02)
            return "done"

        inner = asyncio.ensure_future(work())
        outer_future = asynckit.shield(inner)
        outer_future.cancel()
        lines.append(f"shield(): caller cancelled, inner task still finished: {await inner!r}")
    else:
        lines.append("shield() is asyncio-only; on trio, shielded() protects a block")
    return lines


SECTIONS: list[Section] = [
    Section("environment", "Environment", _environment),
    Section("timeouts", "Timeouts, wait_for and shield", _timeouts),
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
