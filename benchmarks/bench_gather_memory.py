"""Peak RSS growth of ``amap`` over a generator, against ``gather`` + ``Semaphore``.

Each case runs in a fresh interpreter: the baseline is the resident set size after
imports and a warm-up run, the peak is the process's high-water mark of resident
memory (``VmHWM``) after the case. Run it with::

    .venv/bin/python benchmarks/bench_gather_memory.py

It prints one row per case, in MiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r"""
import asyncio, json, sys
import asynckit

kind, n = sys.argv[1], int(sys.argv[2])
page = __import__("os").sysconf("SC_PAGE_SIZE")

def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page

def hwm() -> int:
    # The high-water mark of this process image (ru_maxrss would also count the
    # parent's memory before exec).
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")

async def work(i: int) -> int:
    await asyncio.sleep(0)
    return i

async def run_amap(n: int) -> int:
    total = 0
    async for r in asynckit.amap(work, (i for i in range(n)), limit=100):
        total += r
    return total

async def run_gather_semaphore(n: int) -> int:
    semaphore = asyncio.Semaphore(100)
    async def guarded(i: int) -> int:
        async with semaphore:
            return await work(i)
    return sum(await asyncio.gather(*(guarded(i) for i in range(n))))

run = {"amap": run_amap, "gather+Semaphore": run_gather_semaphore}[kind]
asyncio.run(run(1000))  # warm up code paths and allocator pools
baseline = rss()
asyncio.run(run(n))
peak = hwm()
print(json.dumps({"baseline": baseline, "peak": peak}))
"""


def measure(kind: str, n: int) -> tuple[float, float]:
    """Baseline RSS and peak RSS growth in MiB of one case, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(n)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    ).stdout
    data = json.loads(out)
    mib = 2**20
    return data["baseline"] / mib, max(0, data["peak"] - data["baseline"]) / mib


def main() -> None:
    cases = [
        ("amap", 100_000),
        ("amap", 1_000_000),
        ("gather+Semaphore", 100_000),
    ]
    print(f"{'case':20} {'items':>10} {'baseline RSS':>14} {'peak RSS growth':>16}")
    for kind, n in cases:
        baseline, growth = measure(kind, n)
        print(f"{kind:20} {n:>10,} {baseline:>10.1f} MiB {growth:>12.2f} MiB", flush=True)


if __name__ == "__main__":
    main()
