"""Developer and CI tasks: ``nox`` runs lint, types, the test matrix, coverage and docs.

The test matrix covers every CPython from 3.10 to 3.13 found on the machine (on PATH, or
under pyenv); a missing one is skipped, and the ``coverage`` session reports which ran and
fails unless the one behind the default ``python3`` did.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
SLOW_TESTS_PYTHON = "3.12"
ROOT = Path(__file__).parent
COVERAGE_DIR = ROOT / ".coverage-data"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = False
nox.options.reuse_venv = "yes"
nox.options.sessions = [
    "lint",
    "typecheck",
    "verifytypes",
    "tests",
    "coverage",
    "tests_lowest",
    "docs",
]

# Interpreters found without a download: never let uv fetch one.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _works(executable: str) -> bool:
    try:
        subprocess.run([executable, "-c", "pass"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _expose_pyenv_interpreters() -> None:
    """Put pyenv's 3.10-3.13 ``bin`` directories on PATH where ``pythonX.Y`` is missing.

    pyenv's shims only answer for the selected versions; the interpreters themselves
    live in ``$PYENV_ROOT/versions/X.Y.Z/bin``.
    """
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    extra: list[str] = []
    for version in PYTHONS:
        found = shutil.which(f"python{version}")
        if found and _works(found):
            continue
        candidates = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin")))
        for candidate in reversed(candidates):
            if _works(os.path.join(candidate, f"python{version}")):
                extra.append(candidate)
                break
    if extra:
        os.environ["PATH"] = os.pathsep.join([*extra, os.environ.get("PATH", "")])


def _default_python_version() -> str:
    """The X.Y of the default ``python3`` on PATH (the CI machine's interpreter)."""
    python3 = shutil.which("python3") or sys.executable
    out = subprocess.run(
        [python3, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


DEFAULT_PYTHON = _default_python_version()
_expose_pyenv_interpreters()


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """``mypy --strict`` on the package, tests and tools; both mypy and pyright on the
    ``assert_type`` files, for the oldest and the newest supported Python.
    """
    session.install("-e", ".[test,lint,bench]", "nox")
    session.run("mypy")
    assert_type_files = sorted(str(path) for path in Path("tests").glob("test_*typ*.py"))
    for version in (PYTHONS[0], PYTHONS[-1]):
        session.run("pyright", "--pythonversion", version, "--warnings", *assert_type_files)


@nox.session
def verifytypes(session: nox.Session) -> None:
    """pyright's ``--verifytypes``: every public symbol has a known type.

    It inspects the installed (not editable) package, from outside the checkout.
    """
    session.install(".", "pyright[nodejs]>=1.1.390")
    session.chdir(session.create_tmp())
    session.run("pyright", "--verifytypes", "asynckit", "--ignoreexternal")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite with branch coverage, on one Python, every backend."""
    session.install("-e", ".[test]")
    COVERAGE_DIR.mkdir(parents=True, exist_ok=True)
    data_file = COVERAGE_DIR / f".coverage.{session.python}"
    for stale in COVERAGE_DIR.glob(f".coverage.{session.python}*"):
        stale.unlink()
    # The slow tests (16 threads x 10,000 LoopThread calls, amap over 1,000,000 items)
    # run on one Python.
    slow = ["--run-slow"] if session.python == SLOW_TESTS_PYTHON else []
    session.run(
        "pytest",
        "--cov",
        "--cov-report=",
        "--cov-fail-under=0",
        *slow,
        *session.posargs,
        env={"COVERAGE_FILE": str(data_file)},
    )


@nox.session(python=PYTHONS[0])
def tests_lowest(session: nox.Session) -> None:
    """The suite against the lowest versions our runtime dependencies allow.

    Runtime dependencies (anyio, sniffio, exceptiongroup, typing_extensions, trio, uvloop)
    resolve to the floors declared in ``pyproject.toml``; the test tools are current.
    The dask extra is left out, so its tests are skipped here.
    """
    if not isinstance(session.virtualenv, nox.virtualenv.VirtualEnv) or (
        session.virtualenv.venv_backend != "uv"
    ):
        session.skip("the lowest-versions resolution needs the uv backend")
    session.run_install(
        "uv",
        "pip",
        "install",
        "--resolution",
        "lowest-direct",
        "-e",
        ".[trio,uvloop]",
        env={"VIRTUAL_ENV": session.virtualenv.location},
    )
    session.install(
        "pytest>=8.3", "pytest-timeout>=2.3", "hypothesis>=6.100", "pytest-asyncio>=1.0"
    )
    session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def coverage(session: nox.Session) -> None:
    """Combine the coverage of every Python that ran; enforce the floor."""
    session.install("coverage[toml]>=7.6")
    data_files = sorted(COVERAGE_DIR.glob(".coverage.3.*"))
    ran = sorted(
        {m.group(1) for p in data_files if (m := re.match(r"\.coverage\.(3\.\d+)", p.name))},
        key=lambda v: tuple(map(int, v.split("."))),
    )
    session.log(f"Python versions whose tests ran: {', '.join(ran) or 'none'}")
    default = DEFAULT_PYTHON
    if default not in ran:
        session.error(f"the default python3 ({default}) did not run the tests")
    missing = [v for v in PYTHONS if v not in ran]
    if missing:
        session.warn(f"not found on this machine, so not tested: {', '.join(missing)}")
    session.chdir(ROOT)
    combined = str(COVERAGE_DIR / ".coverage")
    session.run(
        "coverage",
        "combine",
        "--keep",
        f"--data-file={combined}",
        *map(str, data_files),
    )
    session.run("coverage", "report", f"--data-file={combined}")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly: any warning fails."""
    session.install("-e", ".[docs]")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ROOT / ".nox" / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks; pass pytest arguments after ``--`` to pick some."""
    session.install("-e", ".[test,bench]")
    out = ROOT / "benchmarks" / "results" / f"run-{session.python or 'default'}.json"
    session.run(
        "pytest",
        "-o",
        "python_files=bench_*.py",
        "--benchmark-only",
        "--benchmark-columns=median,iqr,rounds",
        "--benchmark-sort=name",
        f"--benchmark-json={out}",
        "-o",
        "timeout=1800",
        *(session.posargs or ["benchmarks"]),
    )


@nox.session(python=["3.11", "3.12"])
def budgets(session: nox.Session) -> None:
    """Every speed budget against its baseline, interleaved round by round.

    Pass ``benchmarks.budgets`` arguments after ``--``, e.g. ``-- --only TaskGroup``.
    """
    session.install("-e", ".[test,bench]")
    out = ROOT / "benchmarks" / "results" / f"budgets-{session.python}.json"
    session.run("python", "-m", "benchmarks.budgets", f"--json={out}", *session.posargs)
