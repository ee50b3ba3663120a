"""Backtest throughput of the whole pipeline on the bundled BTC/USD hourly data.

Measures bars per second through feed -> paper gateway -> history -> risk rules -> technical agent
alone (Rust kernel streaming indicators; the five-agent figures are ``bench/agents.py``'s) ->
decision engine -> storage (SQLite) for:

1. the agents' vote alone (no LLM);
2. the offline LLM as voter, with every answer replayed from the record: the first pass records the
   answers (calling the local model, about a second each) unless a previous run already did.

Times cover the engine loop (``RunResult.seconds``); start-up (plugin loading, data parsing, model
loading) is printed apart. Run: ``.venv/bin/python bench/backtest.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from deepalpha.config import load_config
from deepalpha.engine.runner import run

ROOT = Path(__file__).resolve().parents[1]
#: The technical agent alone, as this benchmark has always measured (bench/agents.py runs five).
ONE_AGENT = {
    name: {"enabled": name == "technical"}
    for name in ("technical", "pattern", "trend", "risk", "news")
}


def one(config, label: str):
    started = time.perf_counter()
    result = run(config, "backtest", report=False)
    wall = time.perf_counter() - started
    return result, wall


def backtesting_py_sma_cross(config):
    """A callable timing backtesting.py's SMA cross on the same bars, or None if not installed."""
    try:
        import pandas as pd
        import talib
        from backtesting import Backtest, Strategy
        from backtesting.lib import crossover
    except ImportError:
        return None
    from deepalpha.engine.components import build
    from deepalpha.plugins import get_plugin_manager

    source = build(
        get_plugin_manager(), "data", config.market.source, config.market.options, "market"
    )
    s = source.fetch(config.market.symbols[0], config.market.timeframe)
    frame = pd.DataFrame(
        {"Open": s.open, "High": s.high, "Low": s.low, "Close": s.close, "Volume": s.volume},
        index=pd.to_datetime(s.ts, unit="ms"),
    )

    class SmaCross(Strategy):
        def init(self):
            self.fast = self.I(talib.SMA, self.data.Close, 10)
            self.slow = self.I(talib.SMA, self.data.Close, 30)

        def next(self):
            if crossover(self.fast, self.slow):
                self.buy()
            elif crossover(self.slow, self.fast):
                self.position.close()

    bt = Backtest(frame, SmaCross, cash=1_000_000, commission=0.001)

    def timed() -> float:
        started = time.perf_counter()
        bt.run()
        return len(frame) / (time.perf_counter() - started)

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--record-db",
        default=str(ROOT / "data" / "bench-llm.db"),
        help="SQLite file keeping recorded LLM answers between bench runs",
    )
    parser.add_argument(
        "--llm-start",
        default="2019-01-01",
        help="first bar of the LLM passes (the record pass calls the local model "
        "about once a second per decision point)",
    )
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="deepalpha-bench-")
    os.chdir(scratch)
    vote = load_config(
        env="backtest",
        overrides={
            "storage": {"url": f"sqlite:///{scratch}/vote.db"},
            "agents": ONE_AGENT,
            "decision": {"llm": {"providers": []}},
        },
    )
    print(
        "pipeline: file source -> paper gateway -> 6 risk rules -> technical agent -> "
        "decision engine -> SQLite"
    )
    peer = backtesting_py_sma_cross(vote)
    rates, peer_rates = [], []
    for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
        result, wall = one(vote, "vote")
        rates.append(result.bars_per_second)
        if peer is not None:
            peer_rates.append(peer())
    ours = statistics.median(rates)
    print(
        f"vote only        : {result.bars:,} bars, median {ours:>10,.0f} "
        f"bars/s (best {max(rates):,.0f}); wall incl. start-up {wall:.2f}s; "
        f"decisions {result.stats['decisions']}, orders {result.stats['orders']}"
    )
    if peer_rates:
        theirs = statistics.median(peer_rates)
        print(
            f"backtesting.py   : {result.bars:,} bars, median {theirs:>10,.0f} bars/s "
            f"(SMA 10/30 cross, no storage); ratio DeepAlpha/backtesting.py {ours / theirs:.2f}"
        )
    else:
        print("backtesting.py   : not installed (pip install -r requirements/bench.txt)")

    Path(args.record_db).parent.mkdir(parents=True, exist_ok=True)
    llm = load_config(
        env="backtest",
        overrides={
            "storage": {"url": f"sqlite:///{args.record_db}"},
            "agents": ONE_AGENT,
            "backtest": {"start": args.llm_start},
        },
    )
    first, wall = one(llm, "record")
    print(
        f"LLM record pass  : {first.stats['llm_calls']} model calls, "
        f"{first.stats['llm_replayed']} replayed, {wall:.1f}s wall"
    )
    rates = []
    for _ in range(args.repeat):
        result, wall = one(llm, "replay")
        assert result.stats["llm_calls"] == 0, "a replay pass called the model"
        rates.append(result.bars_per_second)
    print(
        f"LLM replayed     : {result.bars:,} bars, median {statistics.median(rates):>10,.0f} "
        f"bars/s (best {max(rates):,.0f}); {result.stats['llm_replayed']} answers replayed, "
        f"0 model calls; wall incl. start-up {wall:.2f}s"
    )


if __name__ == "__main__":
    main()
