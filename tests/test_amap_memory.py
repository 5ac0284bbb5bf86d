"""``amap`` keeps O(limit) objects alive: peak RSS barely moves over a million items."""

from __future__ import annotations

import sys

import pytest
from benchmarks.bench_gather_memory import measure


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.parametrize("n", [100_000, 1_000_000])
def test_amap_peak_rss_growth_is_small(n: int) -> None:
    _, growth = measure("amap", n)
    assert growth < 5.0, f"peak RSS grew by {growth:.2f} MiB over {n:,} items"
