"""``asynckit debug``: run a program under the detector and the watchdog, report, exit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from asynckit._cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "debug_forgotten_await.py"

LEAKY = """\
import asyncio
import sys

async def audit():
    await asyncio.sleep(0)

async def main():
    audit()
    print("args:", sys.argv[1:])

asyncio.run(main())
"""

BLOCKING = """\
import asyncio
import time

async def main():
    await asyncio.sleep(0)
    time.sleep(0.5)

asyncio.run(main())
"""


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


def test_example_is_caught(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["debug", str(EXAMPLE)]) == 1
    captured = capsys.readouterr()
    assert "1 order(s) saved" in captured.out
    assert "asynckit debug: 1 problem found" in captured.err
    assert "coroutine 'audit' was never awaited" in captured.err
    assert "debug_forgotten_await.py:27 in place_order" in captured.err
    assert "runpy" not in captured.err


def test_script_arguments_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = write(tmp_path, "leaky.py", LEAKY)
    report = tmp_path / "report.json"
    argv = ["debug", "--format", "json", "--output", str(report), str(script), "-x", "--y"]
    assert main(argv) == 1
    assert "args: ['-x', '--y']" in capsys.readouterr().out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["problems"] == 1
    assert data["stalls"] == []
    (finding,) = data["findings"]
    assert finding["kind"] == "never-awaited"
    assert finding["name"] == "audit"
    assert finding["created_at"][0]["lineno"] == 8
    assert finding["created_at"][0]["line"] == "audit()"


def test_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "leaky_module.py", LEAKY)
    monkeypatch.chdir(tmp_path)
    assert main(["debug", "-m", "leaky_module", "one"]) == 1
    captured = capsys.readouterr()
    assert "args: ['one']" in captured.out
    assert "found in -m leaky_module" in captured.err
    sys.modules.pop("leaky_module", None)


def test_clean_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = write(tmp_path, "clean.py", "import asyncio\nasyncio.run(asyncio.sleep(0))\n")
    assert main(["debug", str(script)]) == 0
    assert "no problems found" in capsys.readouterr().err
    assert main(["debug", "--format", "json", str(script)]) == 0
    assert json.loads(capsys.readouterr().err)["problems"] == 0


def test_blocked_loop_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = write(tmp_path, "blocking.py", BLOCKING)
    assert main(["debug", "--block-threshold", "0.05", str(script)]) == 1
    err = capsys.readouterr().err
    assert "event loop blocked for more than" in err
    assert "blocking.py:6 in main" in err


@pytest.mark.parametrize(
    ("source", "status", "message"),
    [
        ("import sys\nsys.exit(3)\n", 3, ""),
        ("import sys\nsys.exit('bad input')\n", 1, "bad input"),
        ("import sys\nsys.exit(None)\n", 0, ""),
        ("raise ValueError('crash')\n", 1, "ValueError: crash"),
        ("raise KeyboardInterrupt\n", 130, "KeyboardInterrupt"),
    ],
)
def test_program_exit_status(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    status: int,
    message: str,
) -> None:
    script = write(tmp_path, "prog.py", source)
    assert main(["debug", str(script)]) == status
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["debug"], "give a SCRIPT or -m MODULE"),
        (["debug", "--block-threshold", "0", "x.py"], "--block-threshold must be a positive"),
        (["debug", "--stack-depth", "0", "x.py"], "--stack-depth must be at least 1"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err


def test_trio_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("trio")
    script = write(
        tmp_path,
        "trio_leak.py",
        "import trio\n\nasync def main():\n    trio.sleep(0)\n\ntrio.run(main)\n",
    )
    assert main(["debug", str(script)]) == 1
    err = capsys.readouterr().err
    assert "coroutine 'sleep' was never awaited" in err
    assert "trio_leak.py:4 in main" in err
