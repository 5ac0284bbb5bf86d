"""Every ``python`` code block in the docs and the README runs, as a complete program.

Blocks fenced with another language (``pycon``, ``text``, ``bash``, ``toml``...) are
shown, not run.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```python[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)


def examples() -> list[object]:
    found: list[object] = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            indent = len(match.group("indent"))
            body = "\n".join(row[indent:] for row in match.group("body").splitlines())
            rel = page.relative_to(ROOT)
            found.append(pytest.param(body, id=f"{rel}:{line}"))
    return found


def missing_modules(source: str) -> list[str]:
    """Top-level modules the example imports that are not installed (optional extras)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return sorted(name for name in names if importlib.util.find_spec(name) is None)


@pytest.mark.parametrize("source", examples())
def test_example_runs(source: str, tmp_path: Path) -> None:
    missing = missing_modules(source)
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (an optional extra)")
    script = tmp_path / "example.py"
    script.write_text(source, encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "error", "PYTHONDEVMODE": "1"}
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"example failed:\n{proc.stdout}\n{proc.stderr}"
