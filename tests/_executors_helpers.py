"""Module-level functions for the executor tests: picklable, so processes can run them."""

from __future__ import annotations

import contextvars
import os
import time
from pathlib import Path

from asynckit import from_thread

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="default")


def add(a: int, b: int = 0) -> int:
    return a + b


def fail(message: str) -> None:
    raise ValueError(message)


def get_var() -> str:
    return VAR.get()


def crash() -> None:
    os._exit(7)


def check_cancelled_in_process() -> str:
    from_thread.check_cancelled()
    return "not cancelled"


def call_back_from_process() -> None:
    from_thread.run_sync(print, "unreachable")


def wait_for_file(path: str, timeout: float = 30.0) -> None:
    """Poll for ``path`` (a cross-process event); give up after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.005)


def announce_start(directory: str) -> None:
    """Create ``directory/started`` holding this process's pid, atomically."""
    partial = Path(directory, f"started.{os.getpid()}.tmp")
    partial.write_text(str(os.getpid()))
    partial.replace(Path(directory, "started"))


def started_then_wait(directory: str, result: str) -> str:
    """Announce the start, wait until told to go on, then return or raise ``result``."""
    announce_start(directory)
    wait_for_file(os.path.join(directory, "proceed"))
    if result == "raise":
        raise ValueError("raised after the caller was cancelled")
    return result


def write_pid_then_sleep(directory: str) -> None:
    """Announce the start, then sleep until killed."""
    announce_start(directory)
    time.sleep(60)


def write_marker(directory: str, name: str) -> str:
    Path(directory, name).write_text("ran")
    return name
