"""``asynckit demo``: a short, real run of each capability.

Each capability contributes one section: an async function that uses the
library for real and returns the lines describing what happened.
"""

from __future__ import annotations

import contextvars
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import sniffio

from asynckit._debug_demo import debug_section
from asynckit._loopthread import LoopThread
from asynckit._version import __version__

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence


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


async def _loopthread_demo() -> list[str]:
    backend = sniffio.current_async_library()

    async def double(n: int) -> int:
        await anyio.lowlevel.checkpoint()
        return 2 * n

    async def countdown() -> AsyncIterator[int]:
        for n in (3, 2, 1):
            await anyio.lowlevel.checkpoint()
            yield n

    def sync_code() -> list[str]:
        # Runs in a worker thread, as a web view or a CLI would.
        lines: list[str] = []
        with LoopThread(backend=backend) as loop_thread:  # type: ignore[arg-type]
            lines.append(f"{loop_thread!r}")
            lines.append(f"run(double, 21) -> {loop_thread.run(double, 21)}")
            try:
                loop_thread.run(anyio.sleep, 10, timeout=0.05)
            except TimeoutError:
                lines.append("run(sleep, 10, timeout=0.05) -> TimeoutError, task cancelled")
            lines.append(f"iterate(countdown()) -> {list(loop_thread.iterate(countdown()))}")

            def on_loop_thread() -> str:
                try:
                    loop_thread.run(double, 1)
                except RuntimeError as exc:
                    return str(exc).split(";")[0]
                return "not refused"  # pragma: no cover

            lines.append(f"from its own thread: {loop_thread.call(on_loop_thread)}")
            started = time.perf_counter()
            threads = [
                threading.Thread(target=lambda: [loop_thread.run(double, n) for n in range(500)])
                for _ in range(4)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            lines.append(
                f"4 threads x 500 run() calls in {elapsed * 1e3:.0f} ms "
                f"({elapsed / 2000 * 1e6:.1f} us per call)"
            )
            lines.append(f"statistics: {loop_thread.statistics()}")
        lines.append(f"after close: {loop_thread!r}")
        return lines

    return await anyio.to_thread.run_sync(sync_code)


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


async def _taskgroup() -> list[str]:
    from asynckit import TaskGroup

    async def square(n: int) -> int:
        await anyio.lowlevel.checkpoint()
        return n * n

    async def fail(n: int) -> None:
        await anyio.lowlevel.checkpoint()
        raise ValueError(f"job {n} failed")

    lines: list[str] = []
    async with TaskGroup(limit=4, keep_results=True) as tg:
        for n in range(10):
            await tg.wait_create_task(square(n))
    lines.append(f"limit=4, 10 children, results in creation order: {tg.results()}")

    supervisor = TaskGroup(cancel_on_error=False, keep_results=True)
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
    Section("gather", "Bounded gather, wait, as_completed and amap", _gather_and_map),
    Section("timeouts", "Timeouts, wait_for and shield", _timeouts),
    Section("taskgroup", "Task groups", _taskgroup),
    Section("executors", "Executor bridges", _executors),
    Section("loopthread", "LoopThread: sync code calling an event loop thread", _loopthread_demo),
    Section("debug", "Debug tooling", debug_section),
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
