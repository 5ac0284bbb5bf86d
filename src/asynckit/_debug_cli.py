"""``asynckit debug``: run a program under the detector and the watchdog, then report."""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import sys
import traceback
from typing import TYPE_CHECKING, Any, TextIO

from asynckit._debug_detector import CollectingScope
from asynckit._debug_watchdog import Watchdog

if TYPE_CHECKING:
    from collections.abc import Sequence

    from asynckit._debug_report import Finding, Stall

_PolicyBase: Any = asyncio.DefaultEventLoopPolicy


class _WatchingPolicy(_PolicyBase):  # type: ignore[misc]
    """The default policy, but every new loop is in debug mode and watched."""

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = threshold
        self.watchdogs: list[Watchdog] = []

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop = super().new_event_loop()
        loop.set_debug(True)
        watchdog = Watchdog(loop, threshold=self.threshold, on_stall=_ignore)
        watchdog.start()
        self.watchdogs.append(watchdog)
        return loop


def _ignore(stall: Stall) -> None:
    """Stalls are reported at exit, with everything else."""


def _run_program(target: str, module: bool, args: Sequence[str]) -> int:
    """Run the program as ``python SCRIPT`` or ``python -m MODULE`` would; return its status."""
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    try:
        if module:
            sys.argv = [target, *args]
            sys.path.insert(0, os.getcwd())
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.argv = [target, *args]
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        traceback.print_exc()
        return 130
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def format_report(
    program: str, findings: Sequence[Finding], stalls: Sequence[Stall], fmt: str
) -> str:
    """Render the report as text or JSON."""
    if fmt == "json":
        return json.dumps(
            {
                "program": program,
                "problems": len(findings) + len(stalls),
                "findings": [f.to_dict() for f in findings],
                "stalls": [s.to_dict() for s in stalls],
            },
            indent=2,
        )
    count = len(findings) + len(stalls)
    if not count:
        return f"asynckit debug: no problems found in {program}"
    plural = "" if count == 1 else "s"
    parts = [f"asynckit debug: {count} problem{plural} found in {program}"]
    parts.extend(f.format() for f in findings)
    parts.extend(s.format() for s in stalls)
    return "\n\n".join(parts)


def run_debug(
    *,
    target: str,
    module: bool,
    args: Sequence[str],
    fmt: str = "text",
    output: TextIO | None = None,
    block_threshold: float = 0.1,
    stack_depth: int = 8,
) -> int:
    """Run a program under the detector and the watchdog, print the report.

    Returns:
        The program's own exit status when it failed; otherwise 1 if problems
        were found and 0 if not.
    """
    policy = _WatchingPolicy(block_threshold)
    saved_policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(policy)
    try:
        with CollectingScope(mode="log", stack_depth=stack_depth) as scope:
            status = _run_program(target, module, args)
    finally:
        asyncio.set_event_loop_policy(saved_policy)
        for watchdog in policy.watchdogs:
            watchdog.stop()
    stalls = [stall for watchdog in policy.watchdogs for stall in watchdog.stalls]
    program = f"-m {target}" if module else target
    out = output if output is not None else sys.stderr
    print(format_report(program, scope.findings, stalls, fmt), file=out)
    if status:
        return status
    return 1 if scope.findings or stalls else 0
