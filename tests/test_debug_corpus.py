"""The detector on the corpus: every bug caught at its creation line, no false positive."""

from __future__ import annotations

import pytest

from tests._debug_corpus import Program, programs, run_under_detector, verdict

BUGS = programs("bug_")
CLEAN = programs("clean_")


def test_corpus_size() -> None:
    assert len(BUGS) >= 30
    assert len(CLEAN) >= 15
    assert all(p.bug_line is not None for p in BUGS)
    assert all(p.bug_line is None for p in CLEAN)


@pytest.mark.parametrize("program", BUGS, ids=lambda p: p.name)
def test_bug_is_caught_at_its_creation_line(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = run_under_detector(program)
    assert verdict(program, findings) == "right line", [f.format() for f in findings]


@pytest.mark.parametrize("program", CLEAN, ids=lambda p: p.name)
def test_clean_program_has_no_finding(program: Program, capsys: pytest.CaptureFixture[str]) -> None:
    findings = run_under_detector(program)
    assert verdict(program, findings) == "clean", [f.format() for f in findings]
