"""Throughput of the pipeline with the five agents, of each agent, and memory over ten symbols.

1. The whole pipeline (file source -> paper gateway -> risk rules -> agents -> decision engine ->
   SQLite) on the bundled 20,111 BTC/USD hours with all five agents (news on its bundled sample
   folder); then from ``--llm-start`` on with the local LLM, its answers replayed from a record
   (the record pass calls the model once per new decision point; later passes make no call).
2. The same pipeline with one agent at a time, and each agent alone outside the pipeline (its
   ``on_bar`` over the same bars), so the expensive one is visible.
3. Ten symbols x 20,000 bars through the five-agent pipeline: resident memory sampled during the
   run (it should stay flat once every symbol's history is mapped) and the peak.

Run: ``.venv/bin/python bench/agents.py [--repeat 3] [--skip-llm] [--skip-memory]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from deepalpha.config import load_config
from deepalpha.engine.runner import run
from deepalpha.history import History
from deepalpha.plugins import get_plugin_manager

AGENTS = ("technical", "pattern", "trend", "risk", "news")
ROOT = Path(__file__).resolve().parents[1]


def _config(scratch: str, db: str, agents=AGENTS, llm: bool = False, **over):
    overrides = {
        "storage": {"url": f"sqlite:///{scratch}/{db}"},
        "agents": {name: {"enabled": name in agents, "weight": 1.0} for name in AGENTS},
    }
    if not llm:
        overrides["decision"] = {"llm": {"providers": []}}
    overrides.update(over)
    return load_config(env="backtest", overrides=overrides)


def _median_rate(config, repeat: int):
    rates = []
    result = None
    for _ in range(repeat):
        result = run(config, "backtest", report=False)
        rates.append(result.bars_per_second)
    return statistics.median(rates), max(rates), result


def _agent_alone(name: str, repeat: int) -> float:
    """Bars per second of one agent's ``on_bar`` over the bundled data, nothing else."""
    plugins = get_plugin_manager()
    source_spec = plugins.resolve("data", "file")
    series = source_spec.build(source_spec.options(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    bars = list(series.bars())
    spec = plugins.resolve("agent", name)
    rates = []
    for _ in range(repeat):
        agent = spec.build(spec.options()) if spec.options else spec.build()
        agent.reset()
        history = History.over(series)
        started = time.perf_counter()
        on_bar = agent.on_bar
        for bar in bars:
            history.append(bar)
            on_bar(bar, history)
        rates.append(len(bars) / (time.perf_counter() - started))
    return statistics.median(rates)


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _ten_symbols(scratch: str) -> Path:
    """Ten symbols on one clock, each a different stretch of the bundled hours (real candles)."""
    plugins = get_plugin_manager()
    spec = plugins.resolve("data", "file")
    s = spec.build(spec.options(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    cols = {k: np.asarray(getattr(s, k)) for k in ("open", "high", "low", "close", "volume")}
    n = 20_000
    folder = Path(scratch) / "ten"
    folder.mkdir()
    stamps = [
        datetime.fromtimestamp(int(t) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S") for t in s.ts[:n]
    ]
    for k in range(10):
        shift = k * 1_999  # a different stretch (wrapping) per symbol: ten different paths
        idx = (np.arange(n) + shift) % len(s.ts)
        rows = ["timestamp,open,high,low,close,volume"]
        for i in range(n):
            j = idx[i]
            rows.append(
                f"{stamps[i]},{float(cols['open'][j])!r},{float(cols['high'][j])!r},"
                f"{float(cols['low'][j])!r},"
                f"{float(cols['close'][j])!r},{float(cols['volume'][j])!r}"
            )
        (folder / f"S{k}_USD-1h.csv").write_text("\n".join(rows) + "\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--record-db",
        default=str(ROOT / "data" / "bench-agents-llm.db"),
        help="SQLite file keeping recorded LLM answers between bench runs",
    )
    parser.add_argument(
        "--llm-start",
        default="2019-07-01",
        help="first bar of the LLM passes (the record pass calls the local model once per new "
        "decision point, 1-5 s each)",
    )
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="deepalpha-bench-")
    os.chdir(scratch)

    print("five agents, vote only (no LLM), bundled 20,111 bars:")
    med, best, res = _median_rate(_config(scratch, "five.db"), args.repeat)
    print(
        f"  pipeline          {med:>10,.0f} bars/s (best {best:,.0f}); decisions "
        f"{res.stats['decisions']}, orders {res.stats['orders']}"
    )
    for name in AGENTS:
        med, best, res = _median_rate(_config(scratch, f"{name}.db", agents=(name,)), args.repeat)
        alone = _agent_alone(name, args.repeat)
        print(
            f"  only {name:<12} {med:>10,.0f} bars/s in the pipeline; the agent alone "
            f"{alone:>10,.0f} bars/s ({1e6 / alone:.1f} us/bar)"
        )

    if not args.skip_llm:
        Path(args.record_db).parent.mkdir(parents=True, exist_ok=True)
        cfg = load_config(
            env="backtest",
            overrides={
                "storage": {"url": f"sqlite:///{args.record_db}"},
                "agents": {name: {"enabled": True, "weight": 1.0} for name in AGENTS},
                "backtest": {"start": args.llm_start},
            },
        )
        started = time.perf_counter()
        first = run(cfg, "backtest", report=False)
        print(
            f"LLM record pass: {first.stats['llm_calls']} model calls, "
            f"{first.stats['llm_replayed']} replayed, {time.perf_counter() - started:.1f}s wall"
        )
        med, best, res = _median_rate(cfg, args.repeat)
        assert res.stats["llm_calls"] == 0, "a replay pass called the model"
        print(
            f"  five agents + LLM replayed: {med:>10,.0f} bars/s (best {best:,.0f}); "
            f"{res.stats['llm_replayed']} answers replayed, 0 model calls"
        )

    if not args.skip_memory:
        folder = _ten_symbols(scratch)
        cfg = _config(
            scratch,
            "ten.db",
            market={
                "symbols": [f"S{k}/USD" for k in range(10)],
                "options": {"path": None, "datadir": str(folder)},
            },
        )
        samples: list[tuple[float, float]] = []
        done = threading.Event()
        t0 = time.perf_counter()

        def sample() -> None:
            while not done.wait(0.25):
                samples.append((time.perf_counter() - t0, _rss_mib()))

        before = _rss_mib()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        result = run(cfg, "backtest", report=False)
        done.set()
        sampler.join()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss = [m for _, m in samples]
        quarter = max(1, len(rss) // 4)
        print(
            f"ten symbols x 20,000 bars, five agents: {result.bars:,} bars at "
            f"{result.bars_per_second:,.0f} bars/s; RSS before {before:.0f} MiB, "
            f"first quarter of the run {statistics.median(rss[:quarter]):.0f} MiB, "
            f"last quarter {statistics.median(rss[-quarter:]):.0f} MiB, peak {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
