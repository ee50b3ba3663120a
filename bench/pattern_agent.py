"""The pattern agent alone on the bundled BTC/USD 1h candles (20,111 bars).

Run: `python bench/pattern_agent.py [--repeat R]`. For each configuration (all 61 candlestick
patterns, the seed's three, none) it feeds every bar to a fresh agent, as the engine does (one
``on_bar`` per bar with the symbol's History), and prints the best of R runs in bars/s and
microseconds per bar, by wall clock and by the process's CPU time (steadier on a shared machine).
It then times the parts: the kernel's streaming scanner and the pivot/level/chart detector.
A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

from deepalpha.domain import Bar
from deepalpha.history import History
from deepalpha_agent_pattern.agent import PatternAgent
from deepalpha_agent_pattern.candles import CandleReader
from deepalpha_agent_pattern.detector import Detector
from deepalpha_agent_pattern.options import PatternOptions
from deepalpha_data_file.source import FileSource


def load() -> list[Bar]:
    s = FileSource().load("BTC/USD", "1h")
    cols = (s.ts.tolist(), s.open.tolist(), s.high.tolist(), s.low.tolist(), s.close.tolist())
    return [Bar("BTC/USD", t, o, h, lo, c, 1.0) for t, o, h, lo, c in zip(*cols, strict=True)]


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` calls."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def line(label: str, n: int, wall: float, cpu: float) -> str:
    return (
        f"{label:34s} {n / wall:>10,.0f} bars/s {1e6 * wall / n:6.2f} us   "
        f"(CPU: {n / cpu:>10,.0f} bars/s {1e6 * cpu / n:6.2f} us)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bars = load()
    n = len(bars)
    history = History("BTC/USD", capacity=n)
    for bar in bars:  # the agent does not read it; filled once so the loop times only the agent
        history.append(bar)
    print(f"pattern agent, {n:,} bars of BTC/USD 1h, best of {args.repeat}")
    configs = {
        "agent, all 61 candlestick patterns": PatternOptions(),
        "agent, seed's hammer/doji/engulfing": PatternOptions(
            patterns=["hammer", "doji", "engulfing"]
        ),
        "agent, no candlestick patterns": PatternOptions(patterns=[]),
    }
    for label, options in configs.items():

        def run(options=options) -> None:
            on_bar = PatternAgent(options).on_bar
            for bar in bars:
                on_bar(bar, history)

        print(line(label, n, *best(run, args.repeat)))

    rows = [(b.ts, b.open, b.high, b.low, b.close) for b in bars]

    def scanner(patterns) -> None:
        update = CandleReader(patterns).update
        for _, o, h, lo, c in rows:
            update(o, h, lo, c)

    def detector() -> None:
        update = Detector().update
        for row in rows:
            update(*row)

    print(line("part: scanner, 61 patterns", n, *best(lambda: scanner(None), args.repeat)))
    three = ("CDLHAMMER", "CDLDOJI", "CDLENGULFING")
    print(line("part: scanner, 3 patterns", n, *best(lambda: scanner(three), args.repeat)))
    print(line("part: detector (pivots, levels, charts)", n, *best(detector, args.repeat)))


if __name__ == "__main__":
    main()
