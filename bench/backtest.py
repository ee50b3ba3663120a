"""Backtest throughput of the whole pipeline on the bundled BTC/USD hourly data.

Measures bars per second through feed -> paper gateway -> history -> risk rules -> technical agent
(Rust kernel streaming indicators) -> decision engine -> storage (SQLite) for:

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


def one(config, label: str):
    started = time.perf_counter()
    result = run(config, "backtest", report=False)
    wall = time.perf_counter() - started
    return result, wall


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
            "decision": {"llm": {"providers": []}},
        },
    )
    print(
        "pipeline: file source -> paper gateway -> 6 risk rules -> technical agent -> "
        "decision engine -> SQLite"
    )
    rates = []
    for _ in range(args.repeat):
        result, wall = one(vote, "vote")
        rates.append(result.bars_per_second)
    print(
        f"vote only        : {result.bars:,} bars, median {statistics.median(rates):>10,.0f} "
        f"bars/s (best {max(rates):,.0f}); wall incl. start-up {wall:.2f}s; "
        f"decisions {result.stats['decisions']}, orders {result.stats['orders']}"
    )

    Path(args.record_db).parent.mkdir(parents=True, exist_ok=True)
    llm = load_config(
        env="backtest",
        overrides={
            "storage": {"url": f"sqlite:///{args.record_db}"},
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
    print("peers on this machine (FACTS): backtesting.py ~59k bars/s, nautilus_trader ~4.5k")


if __name__ == "__main__":
    main()
