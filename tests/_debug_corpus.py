"""The never-awaited corpus: programs with one forgotten await each, and clean ones.

Every ``bug_*.py`` under ``tests/unawaited_corpus`` creates exactly one coroutine
that is never awaited, on the line marked ``# BUG``; every ``clean_*.py`` handles
coroutines correctly in a tricky way. Shared by the corpus test and by
``tests/unawaited_corpus/compare.py``, which runs other tools on the same files.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path

from asynckit.debug import Finding, detect_unawaited

CORPUS = Path(__file__).parent / "unawaited_corpus"


@dataclass(frozen=True)
class Program:
    path: Path
    bug_line: int | None

    @property
    def name(self) -> str:
        return self.path.stem


def programs(prefix: str = "") -> list[Program]:
    found = []
    for path in sorted(CORPUS.glob(f"{prefix}*.py")):
        if not path.name.startswith(("bug_", "clean_")):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        marked = [i for i, line in enumerate(lines, 1) if line.rstrip().endswith("# BUG")]
        found.append(Program(path, marked[0] if marked else None))
    return found


def run_under_detector(program: Program, *, stack_depth: int = 2) -> list[Finding]:
    """Run one corpus program in this process inside a detector scope."""
    with detect_unawaited(mode="log", stack_depth=stack_depth) as scope:
        runpy.run_path(str(program.path), run_name="__main__")
    return scope.findings


def verdict(program: Program, findings: list[Finding]) -> str:
    """``"right line"``, ``"wrong line"``, ``"missed"``, ``"clean"`` or ``"false positive"``."""
    if program.bug_line is None:
        return "false positive" if findings else "clean"
    unawaited = [f for f in findings if f.kind == "never-awaited"]
    if len(unawaited) != 1:
        return "missed" if not unawaited else "false positive"
    where = unawaited[0].location
    if where and Path(where.filename) == program.path and where.lineno == program.bug_line:
        return "right line"
    return "wrong line"
