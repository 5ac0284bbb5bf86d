"""Print, per benchmark group, each contender's median and its ratio to the baseline."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest


def _format_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:8.3f} {unit}"
    return f"{seconds / 1e-9:8.1f} ns"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups: dict[str, list[Any]] = defaultdict(list)
    for bench in session.benchmarks:
        groups[bench.group or bench.name].append(bench)
    terminalreporter.section("medians and ratios to the baseline (*)")
    for group, benches in groups.items():
        base = next((b for b in benches if b.extra_info.get("baseline")), None)
        terminalreporter.write_line(f"{group}")
        for bench in sorted(benches, key=lambda b: b.stats.median):
            median = bench.stats.median
            ratio = f"{median / base.stats.median:6.2f}x" if base is not None else "   n/a"
            mark = "*" if bench is base else " "
            name = bench.name.split("[", 1)[0].removeprefix("test_")
            params = bench.name[len(bench.name.split("[", 1)[0]) :]
            terminalreporter.write_line(
                f"  {mark} {name + params:60} {_format_time(median)}  {ratio}"
            )
