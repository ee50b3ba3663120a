"""Candlestick patterns: deepalpha_kernel vs TA-Lib on 1,000,000 candles, interleaved.

Run: `python bench/patterns.py [--candles N] [--repeat R]`. Prints, per pattern, the best of R
runs of the kernel's function and of TA-Lib's, their ratio, then `scan` (all patterns in one pass,
into a new grid and into a reused `out=` grid) against TA-Lib's 61 CDL calls, and the streaming
`PatternScanner` per update. Figures are recorded in docs/patterns.md; this is a benchmark, not
a test (no assertions on time).
"""

from __future__ import annotations

import argparse
import statistics
import time

import deepalpha_kernel as dk
import numpy as np
import talib


def candles(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(0, 1, n).cumsum()
    open_ = close + rng.normal(0, 0.3, n)
    high = np.maximum(open_, close) + rng.uniform(0, 1, n)
    low = np.minimum(open_, close) - rng.uniform(0, 1, n)
    return open_, high, low, close


def best(fn, repeat: int, *args) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = candles(args.candles)
    print(f"{len(dk.PATTERNS)} patterns, {args.candles:,} candles, best of {args.repeat}")
    print(f"{'pattern':24s} {'kernel ms':>10s} {'TA-Lib ms':>10s} {'ratio':>7s}")
    ratios = []
    for name in dk.PATTERNS:
        ours = getattr(dk, name.lower())
        theirs = getattr(talib, name)
        k = t = float("inf")
        for _ in range(args.repeat):  # interleaved so machine noise hits both alike
            k = min(k, best(ours, 1, *data))
            t = min(t, best(theirs, 1, *data))
        ratios.append(t / k)
        print(f"{name:24s} {k:10.2f} {t:10.2f} {t / k:7.2f}x")
    print(f"median ratio {statistics.median(ratios):.2f}x, slowest {min(ratios):.2f}x")

    calls = [getattr(talib, name) for name in dk.PATTERNS]
    grid = np.empty((len(dk.PATTERNS), args.candles), dtype=np.int16)  # scan's grid dtype
    scan_ms = into_ms = all_ms = float("inf")
    for _ in range(args.repeat):
        scan_ms = min(scan_ms, best(lambda: dk.scan(*data), 1))
        into_ms = min(into_ms, best(lambda: dk.scan(*data, out=grid), 1))
        all_ms = min(all_ms, best(lambda: [f(*data) for f in calls], 1))
    print(f"TA-Lib's {len(calls)} CDL calls: {all_ms:.1f} ms")
    print(f"scan (one pass, new grid): {scan_ms:.1f} ms; ratio {all_ms / scan_ms:.2f}x")
    print(f"scan (one pass, out=grid reused): {into_ms:.1f} ms; ratio {all_ms / into_ms:.2f}x")

    scanner = dk.PatternScanner()
    n = min(args.candles, 50_000)
    rows = list(zip(*(x[:n] for x in data), strict=True))
    per = []
    for bar in rows:
        start = time.perf_counter_ns()
        scanner.update(*bar)
        per.append(time.perf_counter_ns() - start)
    per.sort()
    print(
        f"PatternScanner.update ({len(dk.PATTERNS)} patterns, dict out): median "
        f"{per[len(per) // 2] / 1e3:.1f} us, p99 {per[int(len(per) * 0.99)] / 1e3:.1f} us"
    )


if __name__ == "__main__":
    main()
