"""Time every kernel indicator against TA-Lib on 1,000,000 candles, in one process, interleaved.

Run: ``python bench/indicators.py [--n 1000000] [--repeat 7]``. Prints, per indicator, the median
kernel and TA-Lib times in milliseconds and the speed ratio (TA-Lib time / kernel time; > 1 means
the kernel is faster), then the median over the catalogue, then the per-candle cost of updating 20
streaming indicators from Python (median and p99 in microseconds) next to ``talib.stream``.

Interleaving (kernel, TA-Lib, kernel, TA-Lib...) spreads the noise of a shared machine over both.
"""

from __future__ import annotations

import argparse
import statistics
import time

import deepalpha_kernel as dk
import numpy as np
import talib
from talib import stream as tstream


def candles(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    close = 100 + rng.normal(0, 1, n).cumsum()
    open_ = close + rng.normal(0, 0.3, n)
    high = np.maximum(open_, close) + rng.uniform(0, 1, n)
    low = np.minimum(open_, close) - rng.uniform(0, 1, n)
    return open_, high, low, close


def catalogue(o, h, l, c):  # noqa: E741
    """(name, kernel call, TA-Lib call) for every implemented indicator."""
    v = np.random.default_rng(3).uniform(1, 1000, len(c))  # volume, for MFI
    return [
        ("SMA(20)", lambda: dk.sma(c, 20), lambda: talib.SMA(c, 20)),
        ("EMA(20)", lambda: dk.ema(c, 20), lambda: talib.EMA(c, 20)),
        ("WMA(20)", lambda: dk.wma(c, 20), lambda: talib.WMA(c, 20)),
        ("DEMA(20)", lambda: dk.dema(c, 20), lambda: talib.DEMA(c, 20)),
        ("TEMA(20)", lambda: dk.tema(c, 20), lambda: talib.TEMA(c, 20)),
        ("TRIMA(20)", lambda: dk.trima(c, 20), lambda: talib.TRIMA(c, 20)),
        ("KAMA(30)", lambda: dk.kama(c), lambda: talib.KAMA(c)),
        ("BBANDS(20)", lambda: dk.bbands(c), lambda: talib.BBANDS(c)),
        ("MIDPOINT(14)", lambda: dk.midpoint(c), lambda: talib.MIDPOINT(c)),
        ("MIDPRICE(14)", lambda: dk.midprice(h, l), lambda: talib.MIDPRICE(h, l)),
        ("RSI(14)", lambda: dk.rsi(c), lambda: talib.RSI(c)),
        ("MACD", lambda: dk.macd(c), lambda: talib.MACD(c)),
        ("MOM(10)", lambda: dk.mom(c), lambda: talib.MOM(c)),
        ("ROC(10)", lambda: dk.roc(c), lambda: talib.ROC(c)),
        ("ROCP(10)", lambda: dk.rocp(c), lambda: talib.ROCP(c)),
        ("ROCR(10)", lambda: dk.rocr(c), lambda: talib.ROCR(c)),
        ("TRIX(30)", lambda: dk.trix(c), lambda: talib.TRIX(c)),
        ("WILLR(14)", lambda: dk.willr(h, l, c), lambda: talib.WILLR(h, l, c)),
        ("ADX(14)", lambda: dk.adx(h, l, c), lambda: talib.ADX(h, l, c)),
        ("ADXR(14)", lambda: dk.adxr(h, l, c), lambda: talib.ADXR(h, l, c)),
        ("DX(14)", lambda: dk.dx(h, l, c), lambda: talib.DX(h, l, c)),
        ("PLUS_DI(14)", lambda: dk.plus_di(h, l, c), lambda: talib.PLUS_DI(h, l, c)),
        ("MINUS_DI(14)", lambda: dk.minus_di(h, l, c), lambda: talib.MINUS_DI(h, l, c)),
        ("PLUS_DM(14)", lambda: dk.plus_dm(h, l), lambda: talib.PLUS_DM(h, l)),
        ("MINUS_DM(14)", lambda: dk.minus_dm(h, l), lambda: talib.MINUS_DM(h, l)),
        ("STOCH", lambda: dk.stoch(h, l, c), lambda: talib.STOCH(h, l, c)),
        ("STOCHF", lambda: dk.stochf(h, l, c), lambda: talib.STOCHF(h, l, c)),
        ("STOCHRSI", lambda: dk.stochrsi(c), lambda: talib.STOCHRSI(c)),
        ("CCI(14)", lambda: dk.cci(h, l, c), lambda: talib.CCI(h, l, c)),
        ("AROON(14)", lambda: dk.aroon(h, l), lambda: talib.AROON(h, l)),
        ("AROONOSC(14)", lambda: dk.aroonosc(h, l), lambda: talib.AROONOSC(h, l)),
        ("CMO(14)", lambda: dk.cmo(c), lambda: talib.CMO(c)),
        ("BOP", lambda: dk.bop(o, h, l, c), lambda: talib.BOP(o, h, l, c)),
        ("APO", lambda: dk.apo(c), lambda: talib.APO(c)),
        ("PPO", lambda: dk.ppo(c), lambda: talib.PPO(c)),
        ("T3(5)", lambda: dk.t3(c), lambda: talib.T3(c)),
        ("SAR", lambda: dk.sar(h, l), lambda: talib.SAR(h, l)),
        ("MACDFIX", lambda: dk.macdfix(c), lambda: talib.MACDFIX(c)),
        ("MACDEXT", lambda: dk.macdext(c), lambda: talib.MACDEXT(c)),
        (
            "MACDEXT(EMA)",
            lambda: dk.macdext(c, 12, 1, 26, 1, 9, 1),
            lambda: talib.MACDEXT(c, 12, 1, 26, 1, 9, 1),
        ),
        ("ULTOSC", lambda: dk.ultosc(h, l, c), lambda: talib.ULTOSC(h, l, c)),
        ("MFI(14)", lambda: dk.mfi(h, l, c, v), lambda: talib.MFI(h, l, c, v)),
        ("ATR(14)", lambda: dk.atr(h, l, c), lambda: talib.ATR(h, l, c)),
        ("NATR(14)", lambda: dk.natr(h, l, c), lambda: talib.NATR(h, l, c)),
        ("AD", lambda: dk.ad(h, l, c, v), lambda: talib.AD(h, l, c, v)),
        ("ADOSC", lambda: dk.adosc(h, l, c, v), lambda: talib.ADOSC(h, l, c, v)),
        ("OBV", lambda: dk.obv(c, v), lambda: talib.OBV(c, v)),
        ("TRANGE", lambda: dk.trange(h, l, c), lambda: talib.TRANGE(h, l, c)),
        ("VAR(5)", lambda: dk.var(c), lambda: talib.VAR(c)),
        ("STDDEV(5)", lambda: dk.stddev(c), lambda: talib.STDDEV(c)),
        ("LINEARREG(14)", lambda: dk.linearreg(c), lambda: talib.LINEARREG(c)),
        ("LINEARREG_SLOPE(14)", lambda: dk.linearreg_slope(c), lambda: talib.LINEARREG_SLOPE(c)),
        ("LINEARREG_ANGLE(14)", lambda: dk.linearreg_angle(c), lambda: talib.LINEARREG_ANGLE(c)),
        (
            "LINEARREG_INTERCEPT(14)",
            lambda: dk.linearreg_intercept(c),
            lambda: talib.LINEARREG_INTERCEPT(c),
        ),
        ("TSF(14)", lambda: dk.tsf(c), lambda: talib.TSF(c)),
        ("CORREL(30)", lambda: dk.correl(h, l), lambda: talib.CORREL(h, l)),
        ("BETA(5)", lambda: dk.beta(h, c), lambda: talib.BETA(h, c)),
        ("AVGPRICE", lambda: dk.avgprice(o, h, l, c), lambda: talib.AVGPRICE(o, h, l, c)),
        ("MEDPRICE", lambda: dk.medprice(h, l), lambda: talib.MEDPRICE(h, l)),
        ("TYPPRICE", lambda: dk.typprice(h, l, c), lambda: talib.TYPPRICE(h, l, c)),
        ("WCLPRICE", lambda: dk.wclprice(h, l, c), lambda: talib.WCLPRICE(h, l, c)),
    ]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000.0


def bench_batch(n: int, repeat: int, only: list[str] | None = None) -> list[float]:
    o, h, l, c = candles(n)  # noqa: E741
    ratios, names = [], []
    print(f"{'indicator':23s} {'kernel ms':>10s} {'TA-Lib ms':>10s} {'ratio':>7s}")
    for name, ours, theirs in catalogue(o, h, l, c):
        if only and name.split("(")[0].upper() not in only:
            continue
        ours(), theirs()  # warm up: page in code and allocator pools
        k, t = [], []
        for _ in range(repeat):
            k.append(timed(ours))
            t.append(timed(theirs))
        km, tm = statistics.median(k), statistics.median(t)
        ratios.append(tm / km)
        names.append(name)
        print(f"{name:23s} {km:10.2f} {tm:10.2f} {tm / km:7.2f}")
    median = statistics.median(ratios)
    fast = sum(r >= 1.5 for r in ratios)
    slow = [(name, r) for name, r in zip(names, ratios, strict=True) if r < 0.9]
    print(
        f"median ratio over {len(ratios)} indicators: {median:.2f}x, slowest: {min(ratios):.2f}x, "
        f"{fast} at >= 1.5x"
    )
    print(
        f"targets: median >= 1.5x {'met' if median >= 1.5 else 'MISSED'}; none below 0.9x "
        + ("met" if not slow else "MISSED by " + ", ".join(f"{n} {r:.2f}x" for n, r in slow))
    )
    return ratios


def bench_streaming(n: int) -> None:
    """20 streaming indicators updated once per candle from Python."""
    _, h, l, c = candles(n, seed=1)  # noqa: E741
    closes = [
        dk.SMA(20),
        dk.EMA(20),
        dk.WMA(20),
        dk.DEMA(20),
        dk.TEMA(20),
        dk.TRIMA(20),
        dk.KAMA(30),
        dk.MIDPOINT(14),
        dk.RSI(14),
        dk.MOM(10),
        dk.ROC(10),
        dk.ROCP(10),
        dk.ROCR(10),
        dk.TRIX(30),
        dk.VAR(5),
        dk.STDDEV(5),
        dk.MACD(),
        dk.BBANDS(),
    ]
    hlc = [dk.ATR(14), dk.WILLR(14)]
    per_candle = []
    for i in range(n):
        hi, lo, cl = float(h[i]), float(l[i]), float(c[i])
        start = time.perf_counter_ns()
        for s in closes:
            s.update(cl)
        for s in hlc:
            s.update(hi, lo, cl)
        per_candle.append(time.perf_counter_ns() - start)
    us = np.array(per_candle) / 1000.0
    print(
        f"kernel, 20 streams per candle from Python: median {np.median(us):.2f} us, "
        f"p99 {np.percentile(us, 99):.2f} us"
    )
    window = 200
    ts = []
    for i in range(window, min(n, window + 2000)):
        hi, lo, cl = h[i - window : i], l[i - window : i], c[i - window : i]
        start = time.perf_counter_ns()
        tstream.SMA(cl, 20), tstream.EMA(cl, 20), tstream.WMA(cl, 20), tstream.DEMA(cl, 20)
        tstream.TEMA(cl, 20), tstream.TRIMA(cl, 20), tstream.KAMA(cl, 30), tstream.MIDPOINT(cl)
        tstream.RSI(cl), tstream.MOM(cl), tstream.ROC(cl), tstream.ROCP(cl), tstream.ROCR(cl)
        tstream.TRIX(cl), tstream.VAR(cl), tstream.STDDEV(cl), tstream.MACD(cl), tstream.BBANDS(cl)
        tstream.ATR(hi, lo, cl), tstream.WILLR(hi, lo, cl)
        ts.append(time.perf_counter_ns() - start)
    us = np.array(ts) / 1000.0
    print(
        f"talib.stream, same 20 over a {window}-candle window: median {np.median(us):.2f} us, "
        f"p99 {np.percentile(us, 99):.2f} us"
    )


BANK_SPEC = [
    ("sma", {"timeperiod": 20}),
    ("ema", {"timeperiod": 20}),
    ("wma", {"timeperiod": 20}),
    ("dema", {"timeperiod": 20}),
    ("tema", {"timeperiod": 20}),
    ("trima", {"timeperiod": 20}),
    ("kama", {}),
    ("midpoint", {}),
    ("rsi", {}),
    ("mom", {}),
    ("roc", {}),
    ("rocp", {}),
    ("rocr", {}),
    ("trix", {}),
    ("var", {}),
    ("stddev", {}),
    ("macd", {}),
    ("bbands", {}),
    ("atr", {}),
    ("willr", {}),
]


def bench_bank(n: int) -> None:
    """The 20 indicators of `bench_streaming` as one `Bank`: one Python call per candle; then
    talipp (the incremental library) with the indicators it has, one `add` per indicator."""
    _, h, l, c = candles(n, seed=1)  # noqa: E741
    rows = list(zip(h.tolist(), l.tolist(), c.tolist(), strict=True))
    bank = dk.Bank(BANK_SPEC)
    update, clock = bank.update, time.perf_counter_ns
    per_candle = []
    for hi, lo, cl in rows:
        start = clock()
        update(cl, hi, lo, cl, 0.0)
        per_candle.append(clock() - start)
    us = np.array(per_candle) / 1000.0
    print(
        f"kernel Bank, 20 indicators, one call per candle: median {np.median(us):.2f} us, "
        f"p99 {np.percentile(us, 99):.2f} us"
    )
    from talipp import indicators as ti
    from talipp.ohlcv import OHLCV

    closes = [
        ti.SMA(20), ti.EMA(20), ti.WMA(20), ti.DEMA(20), ti.TEMA(20), ti.KAMA(30, 2, 30),
        ti.RSI(14), ti.ROC(10), ti.TRIX(30), ti.StdDev(5), ti.MACD(12, 26, 9), ti.BB(5, 2),
    ]  # fmt: skip
    bars = [ti.ATR(14), ti.Williams(14)]
    m = min(n, 20_000)
    per_candle = []
    for hi, lo, cl in rows[:m]:
        bar = OHLCV(cl, hi, lo, cl, 0.0)
        start = clock()
        for s in closes:
            s.add(cl)
        for s in bars:
            s.add(bar)
        per_candle.append(clock() - start)
    us = np.array(per_candle) / 1000.0
    print(
        f"talipp, the {len(closes) + len(bars)} of those it has, one add each: "
        f"median {np.median(us):.2f} us, p99 {np.percentile(us, 99):.2f} us ({m} candles)"
    )


def bench_multi(symbols: int, n: int, repeat: int) -> None:
    """One indicator over `symbols` x `n` candles with `dk.multi` on 1 and 2 threads (and, for
    scale, a Python loop of TA-Lib calls): milliseconds and the 2-thread speed-up."""
    rng = np.random.default_rng(5)
    close = 100 + rng.normal(0, 1, (symbols, n)).cumsum(axis=1)
    high = close + rng.uniform(0, 1, (symbols, n))
    low = close - rng.uniform(0, 1, (symbols, n))
    hlc = {"high": high, "low": low, "close": close}
    cases = [
        ("SMA(20)", "sma", close, {"timeperiod": 20}, lambda k: talib.SMA(close[k], 20)),
        ("RSI(14)", "rsi", close, None, lambda k: talib.RSI(close[k])),
        ("ATR(14)", "atr", hlc, None, lambda k: talib.ATR(high[k], low[k], close[k])),
    ]
    print(f"multi: {symbols} symbols x {n} candles")
    head = f"{'1 thread':>9s} {'2 threads':>10s} {'speed-up':>9s} {'TA-Lib loop':>12s}"
    print(f"{'indicator':10s} {head}")

    def run(name, data, params, threads):
        return lambda: dk.multi(name, data, params, threads=threads)

    for label, name, data, params, theirs in cases:
        run(name, data, params, 2)()  # warm up
        one = statistics.median(timed(run(name, data, params, 1)) for _ in range(repeat))
        two = statistics.median(timed(run(name, data, params, 2)) for _ in range(repeat))
        loop = timed(lambda f=theirs: [f(k) for k in range(symbols)])
        print(f"{label:10s} {one:9.1f} {two:10.1f} {one / two:8.2f}x {loop:12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--stream-n", type=int, default=100_000)
    parser.add_argument(
        "--only", default="", help="comma-separated indicator names (e.g. SMA,RSI); skips streaming"
    )
    parser.add_argument(
        "--multi", action="store_true", help="only the multi-symbol bench (1,000 x 10,000)"
    )
    args = parser.parse_args()
    if args.multi:
        bench_multi(1_000, 10_000, min(args.repeat, 5))
        return
    only = [name.strip().upper() for name in args.only.split(",") if name.strip()]
    bench_batch(args.n, args.repeat, only or None)
    if not only:
        bench_streaming(args.stream_n)
        bench_bank(args.stream_n)
        bench_multi(1_000, 10_000, 3)


if __name__ == "__main__":
    main()
