"""What the product description's agent style costs: the README's ``CustomAgent`` (RSI and MACD
recomputed over the whole history on every bar) against the streaming version in
``tests/examples/streaming_agent.py`` (one ``update`` per bar), both on the bundled 20,111
BTC/USD hours.

1. Each agent alone: its ``on_bar`` over the bars, nothing else (bars per second).
2. Each agent as the only agent of a backtest through the whole pipeline (bars per second).

Run: ``.venv/bin/python bench/seed_agent.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import runpy
import statistics
import tempfile
import time
from pathlib import Path

import deepalpha
from deepalpha.config import Settings
from deepalpha.engine.runner import run
from deepalpha.history import History, Market
from deepalpha.plugins import get_plugin_manager

ROOT = Path(__file__).resolve().parents[1]


def _agents():
    seed = runpy.run_path(str(ROOT / "tests/seed_snippets/custom_agent.py"))["CustomAgent"]
    fast = runpy.run_path(str(ROOT / "tests/examples/streaming_agent.py"))["StreamingCustomAgent"]
    return {"readme": seed, "streaming": fast}


def _series():
    spec = get_plugin_manager().resolve("data", "file")
    source = spec.build(spec.options())
    return source.fetch("BTC/USD", "1h")


def _alone(cls, series) -> float:
    agent = cls()
    history = History.over(series, market=Market({}))
    bars = list(series.bars())
    loop = asyncio.new_event_loop()
    started = time.perf_counter()
    for bar in bars:
        history.append(bar)
        loop.run_until_complete(agent.on_bar(bar, history))
    seconds = time.perf_counter() - started
    loop.close()
    return len(bars) / seconds


def _pipeline(name: str, scratch: str) -> float:
    settings = Settings.defaults(
        env="backtest",
        overrides={
            "storage": {"url": f"sqlite:///{scratch}/{name}.db"},
            "agents": {"technical": {"enabled": False}, name: {}},
            "decision": {"llm": {"providers": []}},
        },
    )
    return run(settings, "backtest", report=False).bars_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    series = _series()
    print(f"{len(series)} bars of BTC/USD 1h; median of {args.repeat} runs")
    with tempfile.TemporaryDirectory() as scratch:
        for name, cls in _agents().items():
            deepalpha.register_agent(cls, name=name)
            alone = statistics.median(_alone(cls, series) for _ in range(args.repeat))
            whole = statistics.median(_pipeline(name, scratch) for _ in range(args.repeat))
            print(f"{name:>10}: agent alone {alone:>10,.0f} bars/s, pipeline {whole:>9,.0f} bars/s")


if __name__ == "__main__":
    main()
