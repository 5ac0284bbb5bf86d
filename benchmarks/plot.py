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
            b["name"].split("[", 1)[0].removeprefix("test_"): b["stats"]["median"]
            / base["stats"]["median"]
            for b in benches
        }
    return result


def main(argv: list[str]) -> int:
    """Read a pytest-benchmark JSON file and write a bar chart of the ratios."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source, target = Path(argv[0]), Path(argv[1])
    table = ratios(json.loads(source.read_text()))
    rows = [(f"{group}: {name}", value) for group, c in table.items() for name, value in c.items()]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1))
    ax.barh([label for label, _ in rows], [value for _, value in rows], color="#3f51b5")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("median time / baseline median (lower is better)")
    ax.invert_yaxis()
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
