"""Plot a saved benchmark run to a PNG.

Usage: ``python benchmarks/plot.py RUN.json [RUN.json ...] OUT.png``: either one
pytest-benchmark run (``--benchmark-json``; every contender's ratio to its group's
baseline) or one or more ``benchmarks.budgets`` runs (``--json``; each budget's ratio
next to its limit, one bar per run).
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


def plot_budgets(runs: list[dict[str, Any]], target: Path) -> None:
    """Bar chart of ``benchmarks.budgets`` runs: each budget's ratio against its limit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [row["budget"] for row in runs[0]["results"]]
    height = 0.8 / len(runs)
    fig, ax = plt.subplots(figsize=(11, 0.3 * len(names) * max(1, len(runs) * 0.6) + 1.4))
    shades = ["#3f51b5", "#7986cb", "#c5cae9"]
    for number, run in enumerate(runs):
        rows = {row["budget"]: row for row in run["results"]}
        for index, name in enumerate(names):
            row = rows.get(name)
            if row is None:
                continue
            y = index + number * height
            colour = shades[number % len(shades)] if row["met"] else "#d32f2f"
            ax.barh(y, row["ratio"] - 1.0, left=1.0, height=height, color=colour)
            ax.plot([row["limit"]], [y], marker="|", color="black", markersize=9)
    ax.set_yticks([i + (len(runs) - 1) * height / 2 for i in range(len(names))], names)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("asynckit's median time / baseline's (log scale; lower is better)")
    pythons = ", ".join(f"CPython {run['python']}" for run in runs)
    ax.set_title(
        f"Each budget, interleaved with its baseline ({pythons}, from top to bottom in each "
        "row); |: the budget; red: over it",
        fontsize=8,
    )
    ax.invert_yaxis()
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)


def main(argv: list[str]) -> int:
    """Read the JSON run(s) and write a bar chart of the ratios."""
    *sources, target = (Path(arg) for arg in argv)
    runs = [json.loads(source.read_text()) for source in sources]
    if "results" in runs[0]:
        plot_budgets(runs, target)
        return 0
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = ratios(runs[0])
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
