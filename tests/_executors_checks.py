"""Checks shared by the tests of several process executors (the pool, loky)."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING, Any

import anyio

import asynckit
from tests._executors_helpers import started_then_wait

if TYPE_CHECKING:
    from pathlib import Path


async def wait_for_path(path: Path) -> None:
    """Wait until ``path`` exists (a worker process's marker), for 30 s at most."""
    with anyio.fail_after(30):
        while not path.exists():
            await anyio.sleep(0.005)


async def check_running_work_is_awaited(
    executor: Any, tmp_path: Path, outcome: str, backend: str
) -> None:
    """Cancel a caller whose process work is running: the work runs to its end.

    The caller waits for it; the work's exception is never lost; on trio its value is
    returned (the cancellation comes at the next checkpoint), on asyncio the caller
    is cancelled.
    """
    seen: list[Any] = []
    scope = anyio.CancelScope()

    async def caller() -> None:
        with scope:
            try:
                seen.append(
                    await asynckit.run_in_executor(
                        executor, started_then_wait, str(tmp_path), outcome
                    )
                )
            except ValueError:
                seen.append("error")

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller)
        await wait_for_path(tmp_path / "started")
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        assert seen == []  # still waiting for the work
        (tmp_path / "proceed").write_text("")
    if outcome == "raise":
        assert seen == ["error"]
    elif backend == "trio":
        assert seen == ["value"]
    else:
        assert seen == []
        assert scope.cancelled_caught


def run_leak_check(tmp_path: Path, source: str, backend: str) -> None:
    """Run ``source`` as a program (``backend`` as its argument); it must exit 0."""
    script = tmp_path / "leaks.py"
    script.write_text(source)
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(script), backend],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
