"""Run the never-awaited corpus through other tools and print how each does.

Usage (from the repository root)::

    .venv/bin/python -m tests.unawaited_corpus.compare [--details] [--pyright PATH]

For every ``bug_*.py`` (one coroutine never awaited, on the line marked ``# BUG``)
and ``clean_*.py`` program it records whether each tool reports a never-awaited
coroutine, whether the report names the ``# BUG`` line, and whether it reports
anything about coroutines on a clean program (a false positive):

* ``python``: the RuntimeWarning CPython prints when the coroutine is destroyed;
* ``python -X dev``: the same with asyncio's debug mode (creation traceback);
* ``python -X tracemalloc``: the same with the allocation traceback;
* ``mypy --strict``, ``pyright`` (if found) and ``ruff check --select ALL`` on the
  source, with the corpus's ``# type: ignore`` and ``# noqa`` comments removed;
* ``asynckit debug``.

The table it prints is the one in ``docs/guide/debug.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tests._debug_corpus import Program, programs

IGNORES = re.compile(r"\s*# (type: ignore\[[\w,-]+\]|noqa: \w+)")
NEVER_AWAITED = "was never awaited"
# Lines of a creation or allocation traceback: the last one is the innermost frame.
TRACE_LINE = re.compile(r'File "(?P<file>[^"]+)", line(?:no)? (?P<line>\d+)')
# ruff rules about a missing await or a dropped coroutine or task.
RUFF_RULES = ("ASYNC105", "RUF006", "PLE1142", "B018")
TOOLS = [
    "python",
    "python -X dev",
    "python -X tracemalloc",
    "mypy --strict",
    "pyright",
    "ruff",
    "asynckit debug",
]


def strip_suppressions(source: str) -> str:
    return "\n".join(IGNORES.sub("", line) for line in source.splitlines()) + "\n"


def runtime_verdict(program: Program, copy: Path, stderr: str) -> str:
    if NEVER_AWAITED not in stderr:
        return "missed" if program.bug_line else "clean"
    if not program.bug_line:
        return "false positive"
    # The warning's own location, then the innermost frame of any creation or
    # allocation traceback that follows it.
    lines = set()
    for match in re.finditer(rf"{re.escape(str(copy))}:(\d+): RuntimeWarning", stderr):
        lines.add(int(match.group(1)))
    for block in stderr.split(NEVER_AWAITED)[1:]:
        head = block.split("RuntimeWarning:")[0]
        frames = [m for m in TRACE_LINE.finditer(head) if m.group("file") == str(copy)]
        if frames:
            lines.add(int(frames[-1].group("line")))
    return "right line" if program.bug_line in lines else "wrong line"


def run_python(program: Program, copy: Path, flags: list[str]) -> str:
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    env.pop("PYTHONDEVMODE", None)
    env.pop("PYTHONASYNCIODEBUG", None)
    proc = subprocess.run(
        [sys.executable, *flags, str(copy)],
        capture_output=True,
        text=True,
        cwd=copy.parent,
        env=env,
        timeout=120,
        check=False,
    )
    return runtime_verdict(program, copy, proc.stderr)


def run_asynckit(program: Program, copy: Path) -> str:
    report = copy.with_suffix(".json")
    subprocess.run(
        [sys.executable, "-m", "asynckit", "debug", "--format=json", f"--output={report}", copy],
        capture_output=True,
        cwd=copy.parent,
        timeout=120,
        check=False,
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    found = [f for f in data["findings"] if f["kind"] == "never-awaited"]
    if not program.bug_line:
        return "false positive" if data["findings"] else "clean"
    if not found:
        return "missed"
    first = found[0]["created_at"][:1]
    right = bool(first) and first[0]["lineno"] == program.bug_line
    return "right line" if right and len(found) == 1 else "wrong line"


def static_verdict(program: Program, flagged_lines: set[int]) -> str:
    if not program.bug_line:
        return "false positive" if flagged_lines else "clean"
    return "right line" if program.bug_line in flagged_lines else "missed"


def run_mypy(copies: dict[str, Path], workdir: Path) -> dict[str, set[int]]:
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--strict", "--no-incremental"),
            *("--python-version=3.10", *map(str, copies.values())),
        ],
        capture_output=True,
        text=True,
        cwd=workdir,
        check=False,
    )
    return _flagged(proc.stdout, r"^(?P<file>[^:\n]+\.py):(?P<line>\d+): error: .*coroutine.*")


def run_pyright(pyright: list[str], copies: dict[str, Path], workdir: Path) -> dict[str, set[int]]:
    proc = subprocess.run(
        [*pyright, "--outputjson", *map(str, copies.values())],
        capture_output=True,
        text=True,
        cwd=workdir,
        check=False,
    )
    flagged: dict[str, set[int]] = defaultdict(set)
    for diag in json.loads(proc.stdout).get("generalDiagnostics", []):
        if "oroutine" in diag["message"] or diag.get("rule") == "reportUnusedCoroutine":
            name = Path(diag["file"]).stem
            flagged[name].add(diag["range"]["start"]["line"] + 1)
    return flagged


def run_ruff(copies: dict[str, Path], workdir: Path) -> dict[str, set[int]]:
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "check", "--isolated", "--select=ALL"),
            *("--output-format=json", "--target-version=py310", *map(str, copies.values())),
        ],
        capture_output=True,
        text=True,
        cwd=workdir,
        check=False,
    )
    flagged: dict[str, set[int]] = defaultdict(set)
    for diag in json.loads(proc.stdout):
        if diag["code"] and diag["code"].startswith(RUFF_RULES):
            flagged[Path(diag["filename"]).stem].add(diag["location"]["row"])
    return flagged


def _flagged(output: str, pattern: str) -> dict[str, set[int]]:
    flagged: dict[str, set[int]] = defaultdict(set)
    for match in re.finditer(pattern, output, re.MULTILINE):
        flagged[Path(match.group("file")).stem].add(int(match.group("line")))
    return flagged


def find_pyright(explicit: str | None) -> list[str] | None:
    if explicit:
        return [explicit]
    found = shutil.which("pyright")
    return [found] if found else None


def summarise(results: dict[str, dict[str, str]], corpus: list[Program]) -> str:
    bugs = [p for p in corpus if p.bug_line]
    clean = [p for p in corpus if not p.bug_line]
    rows = [
        (
            f"| tool | bugs reported (of {len(bugs)}) | at the creation line "
            f"| false positives (of {len(clean)} clean) |"
        ),
        "| --- | --- | --- | --- |",
    ]
    for tool, verdicts in results.items():
        caught = sum(verdicts[p.name] in {"right line", "wrong line"} for p in bugs)
        right = sum(verdicts[p.name] == "right line" for p in bugs)
        false = sum(verdicts[p.name] == "false positive" for p in clean)
        rows.append(f"| {tool} | {caught} | {right} | {false} |")
    return "\n".join(rows)


def details(results: dict[str, dict[str, str]], corpus: list[Program]) -> str:
    short = {"right line": "line", "wrong line": "other line", "missed": "-", "clean": "ok"}
    short["false positive"] = "FALSE POSITIVE"
    tools = list(results)
    rows = ["| program | " + " | ".join(tools) + " |", "|---" * (len(tools) + 1) + "|"]
    for program in corpus:
        cells = [short[results[t][program.name]] for t in tools]
        rows.append(f"| `{program.name}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="also print per-program results")
    parser.add_argument("--pyright", help="the pyright executable (default: found on PATH)")
    args = parser.parse_args()
    corpus = programs()
    pyright = find_pyright(args.pyright)
    results: dict[str, dict[str, str]] = {tool: {} for tool in TOOLS}
    if pyright is None:
        del results["pyright"]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        copies: dict[str, Path] = {}
        for program in corpus:
            copy = workdir / program.path.name
            copy.write_text(strip_suppressions(program.path.read_text("utf-8")), "utf-8")
            copies[program.name] = copy
        for program in corpus:
            copy = copies[program.name]
            results["python"][program.name] = run_python(program, copy, [])
            results["python -X dev"][program.name] = run_python(program, copy, ["-X", "dev"])
            results["python -X tracemalloc"][program.name] = run_python(
                program, copy, ["-X", "tracemalloc"]
            )
            results["asynckit debug"][program.name] = run_asynckit(program, copy)
        static = {"mypy --strict": run_mypy(copies, workdir), "ruff": run_ruff(copies, workdir)}
        if pyright is not None:
            static["pyright"] = run_pyright(pyright, copies, workdir)
        for tool, flagged in static.items():
            for program in corpus:
                results[tool][program.name] = static_verdict(program, flagged[program.name])
    print(summarise(results, corpus))
    if args.details:
        print()
        print(details(results, corpus))


if __name__ == "__main__":
    main()
