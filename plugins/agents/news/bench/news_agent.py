"""Speed of the news agent alone on the bundled BTC/USD hourly candles with the sample headlines.

Feeds the 20,111 bars one by one as the engine does (``History.over`` + ``append``, then
``on_bar``) and prints bars per second, best of several runs, for:

- the loop without an agent (``History.append`` alone: the floor),
- the loop with the news agent (sample folder, default options),
- the agent's own share (the difference, per bar).

The first run of each repetition includes the agent's fetches (28 chunks of the folder); the
sample's 150 headlines are scored once each. Run: ``.venv/bin/python
plugins/agents/news/bench/news_agent.py [repetitions]``.
"""

from __future__ import annotations

import sys
import time

from deepalpha.history import History
from deepalpha_agent_news.agent import NewsAgent
from deepalpha_data_file.options import FileOptions
from deepalpha_data_file.source import FileSource


def main(repetitions: int = 7) -> None:
    series = FileSource(FileOptions(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    bars = list(series.bars())
    n = len(bars)
    agent = NewsAgent()

    def loop(with_agent: bool) -> tuple[float, int]:
        agent.reset()
        history = History.over(series)
        signals = 0
        on_bar = agent.on_bar
        start = time.perf_counter()
        if with_agent:
            for bar in bars:
                history.append(bar)
                if on_bar(bar, history) is not None:
                    signals += 1
        else:
            for bar in bars:
                history.append(bar)
        return time.perf_counter() - start, signals

    floor = min(loop(False)[0] for _ in range(repetitions))
    runs = [loop(True) for _ in range(repetitions)]
    best = min(t for t, _ in runs)
    signals = runs[0][1]
    print(f"bars: {n:,} (BTC/USD 1h, bundled), headlines: sample folder, signals: {signals:,}")
    print(f"History.append alone:   {n / floor:>12,.0f} bars/s")
    print(f"with the news agent:    {n / best:>12,.0f} bars/s")
    agent_us = (best - floor) / n * 1e6
    print(f"news agent alone:       {n / (best - floor):>12,.0f} bars/s ({agent_us:.2f} us/bar)")
    print(f"source fetches per run: {agent.fetches}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
