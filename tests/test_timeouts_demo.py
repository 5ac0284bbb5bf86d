"""The timeouts section of ``asynckit demo`` runs on both backends."""

from __future__ import annotations

import pytest

from asynckit._cli import main


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_demo_timeouts(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip(backend)
    assert main(["demo", "--only", "timeouts", "--backend", backend]) == 0
    out = capsys.readouterr().out
    assert "== Timeouts, wait_for and shield ==" in out
    assert "TimeoutError, scope <Timeout [expired]>" in out
    assert "cancelled_caught=True" in out
    assert "returned 'payload'" in out
    assert "then the timeout took effect" in out
    assert "the cancellation propagated" in out
    if backend == "asyncio":
        assert "inner task still finished: 'done'" in out
    else:
        assert "asyncio-only" in out
