"""Plot the ratios of a saved benchmark run (``--benchmark-json``) to a PNG.

Usage: ``python benchmarks/plot.py benchmarks/results/run.json docs/assets/performance.png``
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any


def ratios(data: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Return ``{group: {contender: median / baseline median}}``."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for bench in data["benchmarks"]:
        groups[bench["group"] or bench["name"]].append(bench)
    result: dict[str, dict[str, float]] = {}
    for group, benches in groups.items():
        base = next((b for b in benches if b["extra_info"].get("baseline")), None)
        if base is None:
            continue
        result[group] = {
            b["name"].removeprefix("test_"): b["stats"]["median"] / base["stats"]["median"]
            for b in sorted(benches, key=lambda b: b["stats"]["median"])
        }
    return result


def main(argv: list[str]) -> int:
    """Read a pytest-benchmark JSON file and write a bar chart of the ratios."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source, target = Path(argv[0]), Path(argv[1])
    table = ratios(json.loads(source.read_text()))
    rows: list[tuple[str, float, str]] = []
    for group, contenders in table.items():
        for name, value in contenders.items():
            ours = any(key in name for key in ("asynckit", "LoopThread", "scope", "watchdog"))
            color = "#3f51b5" if ours else ("#222222" if value == 1.0 else "#b0b0b0")
            rows.append((f"{group} | {name}", value, color))
    fig, ax = plt.subplots(figsize=(11, 0.22 * len(rows) + 1.2))
    # Bars grow from 1.0 (the baseline) to each ratio, left when faster, right when slower.
    ax.barh(
        [r[0] for r in rows],
        [r[1] - 1.0 for r in rows],
        left=1.0,
        color=[r[2] for r in rows],
    )
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("median time / baseline median (log scale; lower is better)")
    ax.set_title("blue: asynckit; grey: other contenders; the baseline is 1.0", fontsize=9)
    ax.invert_yaxis()
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
