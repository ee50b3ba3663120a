"""The Rust execution engine: submit -> ack latency through Python, pre-trade check cost and
matching throughput in Rust, against the targets of issue 9.

1. submit -> ack through the Python API (``deepalpha_rust.ExecutionEngine.submit_order`` with the
   seed's dict, a limit order resting on the paper venue so the book grows as it would in a
   run): each call timed from Python with ``perf_counter_ns`` (what a caller sees: the call,
   the dict parse, the checks, the booking), two symbols alternating. Also the engine's own
   ``get_stats()`` (timed in Rust around ``submit_order``). Target: p50 < 5 us, p99 < 20 us.
2. Pre-trade checks, each timed in Rust over a million calls (``bench_pretrade_checks``).
   Target: < 1 us each.
3. Matching throughput in Rust (``bench_matching``): one million orders (market and limit, two
   symbols) submitted and matched against one bar per symbol. Target: >= 1,000,000 orders/s.
4. The pipeline with the paper gateway on each engine (``gateway.options.engine``: ``python``,
   ``rust``), side by side and interleaved: one symbol, the technical agent alone, trades on,
   the bundled BTC/USD hours, SQLite (the configuration of ``bench/backtest.py``). Bars per second
   of the engine loop (``RunResult.seconds``); the two runs must give the same fills and equity.
   ``--profile`` adds a cProfile summary (top 10 by own time) of one run on the rust engine.
   Target: >= 100,000 bars/s.

Run: ``.venv/bin/python bench/execution.py [--orders 200000] [--repeat 3] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import statistics
import tempfile
import time

from deepalpha_rust import ExecutionEngine


def _percentile(sorted_values: list[int], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index] / 1000.0


def submit_latency(orders: int) -> dict[str, float]:
    engine = ExecutionEngine(
        balances={"USDT": 10**12},
        instruments={
            "BTC/USDT": {"price_increment": "0.01", "size_increment": "0.00001"},
            "ETH/USDT": {"price_increment": "0.01", "size_increment": "0.0001"},
        },
    )
    engine.start()
    for symbol, price in (("BTC/USDT", 50_000.0), ("ETH/USDT", 3_000.0)):
        engine.on_bar(symbol, 0, price, price, price, price, 1_000.0)
    requests = []
    for i in range(orders):
        if i % 2:
            requests.append(
                {
                    "symbol": "ETH/USDT",
                    "side": "buy",
                    "type": "limit",
                    "quantity": 0.5,
                    "price": 2_900.0 - (i % 100),
                }
            )
        else:
            requests.append(
                {
                    "symbol": "BTC/USDT",
                    "side": "buy",
                    "type": "limit",
                    "quantity": 0.01,
                    "price": 49_000.0 - (i % 100),
                }
            )
    submit = engine.submit_order
    clock = time.perf_counter_ns
    samples = [0] * orders
    gc.disable()
    try:
        for i, request in enumerate(requests):
            start = clock()
            submit(request)
            samples[i] = clock() - start
    finally:
        gc.enable()
    samples.sort()
    stats = engine.get_stats()
    assert stats.total_orders == orders and stats.rejected == 0, stats
    return {
        "p50_us": _percentile(samples, 0.50),
        "p99_us": _percentile(samples, 0.99),
        "mean_us": statistics.fmean(samples) / 1000.0,
        "rust_avg_us": stats.avg_execution_time_us,
        "rust_p50_us": stats.p50_execution_time_us,
        "rust_p99_us": stats.p99_execution_time_us,
    }


def pipeline(repeat: int, profile: bool) -> tuple[dict[str, float], bool]:
    """Bars/s of the pipeline on each paper engine, interleaved; and whether they agree."""
    from deepalpha.config import load_config
    from deepalpha.engine.runner import run
    from deepalpha.storage import Store

    scratch = tempfile.mkdtemp(prefix="deepalpha-bench-exec-")
    os.chdir(scratch)
    one_agent = {
        n: {"enabled": n == "technical"} for n in ("technical", "pattern", "trend", "risk", "news")
    }

    def config(engine: str, n: int):
        return load_config(
            env="backtest",
            overrides={
                "storage": {"url": f"sqlite:///{scratch}/{engine}-{n}.db"},
                "agents": one_agent,
                "decision": {"llm": {"providers": []}},
                "gateway": {"name": "paper", "options": {"engine": engine}},
            },
        )

    rates: dict[str, list[float]] = {"python": [], "rust": []}
    outcome = {}
    for n in range(repeat):
        for engine in ("python", "rust"):
            cfg = config(engine, n)
            result = run(cfg, "backtest", report=False)
            rates[engine].append(result.bars_per_second)
            if n == 0:
                with Store.open(cfg.storage.url) as store:
                    fills = [
                        (f.id, f.ts, f.side, f.quantity, f.price, f.fee)
                        for f in store.fills(result.run_id)
                    ]
                outcome[engine] = (fills, list(result.equity), result.bars, result.stats["orders"])
    same = outcome["python"] == outcome["rust"]
    fills, _, bars, orders = outcome["rust"]
    print(f"  {bars:,} bars, {orders} orders, {len(fills)} fills; identical results: {same}")
    medians = {e: statistics.median(r) for e, r in rates.items()}
    for engine, r in rates.items():
        print(f"  engine {engine:6s}: median {medians[engine]:>9,.0f} bars/s (best {max(r):,.0f})")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(config("rust", repeat), "backtest", report=False)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
        print("  cProfile, engine rust, top 10 by own time:")
        for line in out.getvalue().splitlines():
            if line.strip() and not line.startswith(("   Ordered", "         ")):
                print("   ", line.rstrip())
    return medians, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--matching-orders", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true", help="cProfile one pipeline run")
    parser.add_argument("--pipeline-only", action="store_true", help="only part 4")
    args = parser.parse_args()

    if args.pipeline_only:
        print("pipeline, paper gateway on each engine (bundled BTC/USD 1h, technical agent)")
        medians, same = pipeline(args.repeat, args.profile)
        print(f"  >= 100,000 bars/s: {'met' if max(medians.values()) >= 100_000 else 'MISSED'}")
        return

    print(
        f"submit -> ack through Python ({args.orders:,} limit orders, 2 symbols; "
        f"best of {args.repeat})"
    )
    runs = [submit_latency(args.orders) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["p50_us"])
    print(
        f"  measured in Python: p50 {best['p50_us']:.2f} us, p99 {best['p99_us']:.2f} us, "
        f"mean {best['mean_us']:.2f} us"
    )
    print(
        f"  engine's get_stats (Rust, around submit_order): avg {best['rust_avg_us']:.2f} us, "
        f"p50 {best['rust_p50_us']:.2f} us, p99 {best['rust_p99_us']:.2f} us"
    )
    submit_ok = best["p50_us"] < 5 and best["p99_us"] < 20

    print("pre-trade checks in Rust (ns per call, best of runs)")
    checks: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, ns in ExecutionEngine.bench_pretrade_checks(1_000_000).items():
            checks[name] = min(ns, checks.get(name, float("inf")))
    for name, ns in checks.items():
        print(f"  {name:16s} {ns:8.1f} ns")
    checks_ok = all(ns < 1000 for ns in checks.values())

    print(f"matching in Rust ({args.matching_orders:,} orders submitted and matched, 2 symbols)")
    rates = []
    for _ in range(args.repeat):
        r = ExecutionEngine.bench_matching(args.matching_orders)
        rates.append((r["orders"] / r["seconds"], r["orders"] / r["match_seconds"]))
    total_rate, match_rate = max(rates)
    print(
        f"  submit + match: {total_rate:,.0f} orders/s; matching alone: {match_rate:,.0f} orders/s"
    )
    matching_ok = total_rate >= 1_000_000

    print("pipeline, paper gateway on each engine (bundled BTC/USD 1h, technical agent)")
    medians, same = pipeline(args.repeat, args.profile)
    pipeline_ok = medians["rust"] >= 100_000

    print("targets:")
    print(f"  submit p50 < 5 us and p99 < 20 us: {'met' if submit_ok else 'MISSED'}")
    print(f"  each pre-trade check < 1 us:       {'met' if checks_ok else 'MISSED'}")
    print(f"  matching >= 1,000,000 orders/s:     {'met' if matching_ok else 'MISSED'}")
    print(f"  pipeline (rust) >= 100,000 bars/s:  {'met' if pipeline_ok else 'MISSED'}")
    print(f"  pipeline python == rust results:    {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
