from __future__ import annotations

import runpy
import subprocess
import sys

import pytest

import asynckit
from asynckit._cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out.strip() == f"asynckit {asynckit.__version__}"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "usage: asynckit" in capsys.readouterr().out


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--help"])
    assert excinfo.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_demo_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--list"]) == 0
    assert "environment" in capsys.readouterr().out


def test_demo_unknown_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--only", "nope"]) == 2
    assert "unknown section(s) nope" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_demo_runs(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--backend", backend]) == 0
    out = capsys.readouterr().out
    assert "== Environment ==" in out
    assert f"running on the {backend} backend" in out


def test_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "asynckit", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == f"asynckit {asynckit.__version__}"


def test_run_module_as_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["asynckit", "demo", "--list"])
    with pytest.raises(SystemExit) as excinfo:
        runpy.run_module("asynckit", run_name="__main__")
    assert excinfo.value.code == 0
    assert "environment" in capsys.readouterr().out
