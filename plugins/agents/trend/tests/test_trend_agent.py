"""The trend agent: readings checked against TA-Lib on independently resampled bars, reversal signs
on constructed price paths, no look-ahead across timeframes, two or more symbols per run."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
import talib
from deepalpha.config.converter import structure
from deepalpha.domain import Bar, Direction
from deepalpha.errors import ConfigError
from deepalpha.history import History
from deepalpha.testing import check_agent, random_walk_bars
from deepalpha_agent_trend.agent import TrendAgent
from deepalpha_agent_trend.options import TrendOptions
from hypothesis import given, settings
from hypothesis import strategies as st

HOUR = 3_600_000
DAY = 24 * HOUR

#: Short periods so that coarse frames warm up within a few hundred base bars.
SMALL = {
    "periods": (3, 5, 8),
    "adx_period": 4,
    "rsi_period": 4,
    "macd_fast": 3,
    "macd_slow": 6,
    "macd_signal": 3,
    "swing": 2,
}


def clause(rationale: str, label: str) -> str:
    """The part of the rationale about one timeframe (``"4h: up (close > ...), ..."``)."""
    for part in rationale.split(". "):
        if part.startswith(f"{label}: "):
            return part
    raise AssertionError(f"no {label} clause in {rationale!r}")


def walk(n: int, seed: int, sigma: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0, sigma, n)))


# -- readings ------------------------------------------------------------------------------------


def test_first_signal_when_every_indicator_has_a_value(market_runner, make_bars) -> None:
    closes = walk(200, 4)
    bars = make_bars("A/USD", closes)
    out = market_runner(lambda: TrendAgent(TrendOptions(timeframes=("1h",))), {"A/USD": bars})
    first = next(i for i, s in enumerate(out["A/USD"]) if s is not None)
    high = np.array([b.high for b in bars])
    low = np.array([b.low for b in bars])
    lookbacks = [
        np.argmax(~np.isnan(talib.EMA(closes, 99))),
        np.argmax(~np.isnan(talib.RSI(closes, 14))),
        np.argmax(~np.isnan(talib.MACD(closes, 12, 26, 9)[2])),
        np.argmax(~np.isnan(talib.ADX(high, low, closes, 14))),
    ]
    assert first == max(lookbacks) == 98


def test_rising_and_falling_symbols_in_one_run(market_runner, make_bars) -> None:
    i = np.arange(300, dtype=float)
    bars = {
        "UP/USD": make_bars("UP/USD", 100 + 0.002 * i**2),
        "DOWN/USD": make_bars("DOWN/USD", 400 - 0.002 * i**2),
    }
    together = market_runner(TrendAgent, bars)
    up, down = together["UP/USD"][-1], together["DOWN/USD"][-1]
    assert up.direction is Direction.LONG and down.direction is Direction.SHORT
    assert "1h: up (close > EMA7 > EMA25 > EMA99, votes +3/3)" in up.rationale
    assert "1h: down (close < EMA7 < EMA25 < EMA99, votes -3/3)" in down.rationale
    # 300 hourly bars close 75 four-hour bars: the 4h frame is still warming up (99 needed).
    assert "4h: warming up" in up.rationale
    # One agent per symbol: each symbol gets exactly what it gets when run alone.
    for symbol, series in bars.items():
        assert market_runner(TrendAgent, {symbol: series})[symbol] == together[symbol]


def _closed_coarse(bars: list[Bar], step: int, t: int):
    """OHLC of the coarse bars closed once bar ``t`` has closed, by grouping the base bars
    (timestamps are gap-free hours here): a group is closed when its last hour is in."""
    ts = np.array([b.ts for b in bars[: t + 1]])
    group = ts // step
    closed = group[-1] if (ts[-1] + HOUR) % step == 0 else group[-1] - 1
    keep = group <= closed
    starts, first = np.unique(group[keep], return_index=True)
    last = np.append(first[1:], keep.sum()) - 1
    high = np.array([b.high for b in bars[: t + 1]])[keep]
    low = np.array([b.low for b in bars[: t + 1]])[keep]
    close = np.array([b.close for b in bars[: t + 1]])[keep]
    h = np.maximum.reduceat(high, first)
    lo = np.minimum.reduceat(low, first)
    return starts, h, lo, close[last]


def _expected_clause(high, low, close, label: str) -> tuple[str, str]:
    emas = [talib.EMA(close, p)[-1] for p in (7, 25, 99)]
    values = [close[-1], *emas]
    ops = [">" if a > b else "<" if a < b else "=" for a, b in itertools.pairwise(values)]
    chain = f"close {ops[0]} EMA7 {ops[1]} EMA25 {ops[2]} EMA99"
    adx = talib.ADX(high, low, close, 14)[-1]
    band = "ADX >= 25 (strong)" if adx >= 25 else f"ADX {int(adx // 5) * 5}-{int(adx // 5) * 5 + 5}"
    return f"{label}: " + ("up" if ops.count(">") > ops.count("<") else "down") + f" ({chain}", band


def test_higher_timeframes_read_only_closed_bars_like_talib(btc_bars, market_runner) -> None:
    bars = btc_bars[:3400]
    out = market_runner(TrendAgent, {"BTC/USD": bars})["BTC/USD"]
    checked = 0
    for t in range(2500, 3400, 41):
        for label, step in (("4h", 4 * HOUR), ("1d", DAY)):
            _, high, low, close = _closed_coarse(bars, step, t)
            if len(close) < 99:
                assert f"{label}: warming up" in out[t].rationale
                continue
            text = clause(out[t].rationale, label)
            head, band = _expected_clause(high, low, close, label)
            adx = talib.ADX(high, low, close, 14)[-1]
            if abs(adx - 5 * round(adx / 5)) < 1e-6:
                continue  # on a band edge: rounding of the last bit may go either way
            assert text.startswith(head), (t, text, head)
            assert band in text, (t, text, band)
            checked += 1
    assert checked > 30


def test_a_coarse_bar_counts_only_after_its_last_hour(make_bars) -> None:
    bars = make_bars("A/USD", walk(60, 1), start=DAY)  # aligned: 4h groups start at bar 0, 4, ...
    agent = TrendAgent(TrendOptions(timeframes=("1h", "4h")))
    history = History("A/USD", timeframe="1h")
    for i, bar in enumerate(bars):
        history.append(bar)
        agent.on_bar(bar, history)
        frame = next(f for f in agent._frames if f.label == "4h")
        assert frame.bars == (i + 1) // 4  # bars 0-3 make the first 4h bar, known after bar 3


@settings(max_examples=25)
@given(
    st.lists(st.floats(-0.03, 0.03), min_size=60, max_size=160),
    st.lists(st.floats(-0.03, 0.03), min_size=60, max_size=160),
    st.integers(0, 159),
)
def test_signal_at_t_is_the_signal_on_the_prefix(
    market_runner, make_bars, returns_a, returns_b, cut
) -> None:
    """No look-ahead, coarse frames included: cutting the data after t changes nothing up to t."""
    bars = {
        "A/USD": make_bars("A/USD", 100 * np.exp(np.cumsum(returns_a)), start=DAY),
        "B/USD": make_bars("B/USD", 50 * np.exp(np.cumsum(returns_b)), start=DAY + HOUR),
    }
    options = TrendOptions(timeframes=("1h", "2h", "4h"), **SMALL)
    full = market_runner(lambda: TrendAgent(options), bars)
    prefix = market_runner(lambda: TrendAgent(options), bars, before=DAY + HOUR * (cut + 1))
    for symbol in bars:
        n = len(prefix[symbol])
        assert full[symbol][:n] == prefix[symbol]
        for sig in full[symbol]:
            if sig is not None:
                assert 0 <= sig.strength <= 1 and 0 <= sig.confidence <= 1
                assert not math.isnan(sig.score)
    # The coarse frames did speak: the property is about them too.
    assert any(s is not None and "4h: warming up" not in s.rationale for s in full["A/USD"])


# -- reversal signs ------------------------------------------------------------------------------


def _single(closes, make_bars, **options) -> list:
    bars = make_bars("A/USD", closes, spread=0.0)
    agent = TrendAgent(TrendOptions(timeframes=("1h",), **options))
    history = History("A/USD", timeframe="1h")
    out = []
    for bar in bars:
        history.append(bar)
        out.append(agent.on_bar(bar, history))
    return out


def test_bearish_divergence_once_the_second_high_is_confirmed(make_bars) -> None:
    # A steady decline (no swing highs), a steep rise to a first high, a pullback, a slow climb to
    # a higher high, a fall. The steep rise ends with RSI near 100, the slow climb lower.
    calm = list(100 - 0.05 * np.arange(120))
    steep = [calm[-1] + 2.0 * k for k in range(1, 26)]
    back = [steep[-1] - 1.5 * k for k in range(1, 11)]
    slow = [back[-1] + 0.5 * k for k in range(1, 41)]
    fall = [slow[-1] - 1.0 * k for k in range(1, 16)]
    closes = np.array(calm + steep + back + slow + fall)
    first = len(calm) + len(steep) - 1
    second = first + len(back) + len(slow)
    rsi = talib.RSI(closes, 14)
    assert closes[second] > closes[first] and rsi[second] < rsi[first]  # what makes it bearish

    out = _single(closes, make_bars)
    seen = [i for i, s in enumerate(out) if s and "bearish RSI divergence" in s.rationale]
    # The second high is a swing once `swing` (3) lower highs follow it: known 3 bars later.
    assert seen[0] == second + 3
    assert "bearish MACD divergence" in out[second + 3].rationale


def test_broken_structure_names_the_last_higher_low(make_bars) -> None:
    # Zigzag up (higher highs, higher lows), then a fall through the last low.
    closes = list(100 + np.sin(np.arange(120) / 4))
    lows = []
    for _ in range(4):
        closes += [closes[-1] + 1.0 * k for k in range(1, 11)]
        closes += [closes[-1] - 1.0 * k for k in range(1, 6)]
        lows.append(closes[-1])
    closes += [closes[-1] + 1.0 * k for k in range(1, 9)]  # a last higher high
    top = len(closes)
    closes += [closes[-1] - 1.5 * k for k in range(1, 21)]
    closes = np.array(closes)
    out = _single(closes, make_bars)
    below = next(i for i in range(top, len(closes)) if closes[i] < lows[-1])
    assert "structure higher highs/higher lows" in out[below - 1].rationale
    assert "structure broken" not in out[below - 1].rationale
    assert (
        f"structure broken: close below the last higher low {lows[-1]:.6g}" in out[below].rationale
    )


def test_momentum_fading_is_three_shrinking_macd_histogram_bars(make_bars) -> None:
    closes = walk(400, 9)
    out = _single(closes, make_bars)
    hist = talib.MACD(closes, 12, 26, 9)[2]
    checked = 0
    for t in range(120, 400):
        falling = hist[t] < hist[t - 1] < hist[t - 2] < hist[t - 3]
        rising = hist[t] > hist[t - 1] > hist[t - 2] > hist[t - 3]
        assert ("MACD histogram falling for 3+ bars" in out[t].rationale) == falling, t
        assert ("MACD histogram rising for 3+ bars" in out[t].rationale) == rising, t
        checked += falling + rising
    assert checked > 30


def test_reversal_signs_lower_confidence_not_direction(make_bars) -> None:
    out = [s for s in _single(walk(600, 5), make_bars) if s is not None]
    for s in out:
        if s.direction is Direction.FLAT:
            continue
        risk = float(re.search(r"reversal risk ([0-9.]+)", s.rationale).group(1))
        # One timeframe: agreement is 1, so confidence is exactly 1 - reversal risk.
        assert s.confidence == pytest.approx(1 - risk, abs=0.006)


# -- options and errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"periods": (25, 7)}, "periods: must be strictly increasing, got [25, 7]"),
        ({"periods": (7,)}, "periods: needs at least two periods, got [7]"),
        ({"periods": (1, 7)}, "periods: every period must be an integer >= 2, got [1, 7]"),
        ({"timeframes": ("2d",)}, "timeframes: '2d' is not a timeframe; valid: 1m, 3m"),
        ({"timeframes": ("4h", "4h")}, "timeframes: lists a timeframe twice"),
        ({"min_score": 0.0}, "min_score: must be in (0, 1], got 0.0"),
        ({"macd_fast": 30}, "macd_fast: must be < macd_slow (26), got 30"),
        ({"swing": 0}, "swing: must be >= 1, got 0"),
    ],
)
def test_bad_options_name_the_field(options, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        TrendOptions(**options)


def test_config_lists_become_options_and_errors_name_the_key() -> None:
    opts = structure(
        {"periods": [5, 20, 60], "timeframes": ["4h"]}, TrendOptions, "agents.trend.options"
    )
    assert opts.periods == (5, 20, 60) and opts.timeframes == ("4h",)
    with pytest.raises(ConfigError, match=r"agents\.trend\.options\.periods: must be strictly"):
        structure({"periods": [20, 5]}, TrendOptions, "agents.trend.options")


def test_a_finer_timeframe_than_the_run_is_refused(make_bars) -> None:
    bar = make_bars("A/USD", [100.0])[0]
    history = History("A/USD", timeframe="1h")
    history.append(bar)
    with pytest.raises(ValueError, match=r"^timeframes: timeframe '15m' cannot be resampled"):
        TrendAgent(TrendOptions(timeframes=("15m", "1h"))).on_bar(bar, history)


def test_without_a_timeframe_the_agent_reads_the_bars_it_gets() -> None:
    bars = random_walk_bars(150, "A/USD", 3)
    history = History("A/USD")
    agent = TrendAgent()
    for bar in bars:
        history.append(bar)
        sig = agent.on_bar(bar, history)
    # Outside a run (no timeframe known) there is nothing to resample: one frame, the bars given.
    assert "base: " in sig.rationale and "4h" not in sig.rationale


# -- contracts, registration, bundled data -------------------------------------------------------


@pytest.mark.parametrize("options", [TrendOptions(), TrendOptions(**SMALL)])
def test_contract_on_two_symbols(options) -> None:
    signals = check_agent(
        lambda: TrendAgent(options),
        random_walk_bars(300, "A/USD", 1),
        random_walk_bars(300, "B/USD", 2),
    )
    assert sum(s is not None for s in signals) > 150


def test_registered_under_its_name(deepalpha_plugins) -> None:
    spec = deepalpha_plugins.resolve("agent", "trend")
    assert spec.options is TrendOptions
    assert isinstance(spec.factory(TrendOptions()), TrendAgent)


def test_bundled_btc_bull_and_bear_phases_beside_another_symbol(
    btc_bars, market_runner, make_bars
) -> None:
    bars = btc_bars[:12_500]  # 2017-07-01 to 2019-01
    other = make_bars("ALT/USD", walk(len(bars), 11), start=bars[0].ts)
    out = market_runner(TrendAgent, {"BTC/USD": bars, "ALT/USD": other})
    btc = out["BTC/USD"]
    ts = np.array([b.ts for b in bars])
    close = np.array([b.close for b in bars])

    def share(start: str, end: str, direction: Direction) -> float:
        lo, hi = (int(np.datetime64(d, "ms").astype(np.int64)) for d in (start, end))
        idx = np.nonzero((ts >= lo) & (ts < hi))[0]
        return sum(btc[i].direction is direction for i in idx) / len(idx), close[idx]

    bull, prices = share("2017-12-01", "2017-12-16", Direction.LONG)
    assert prices[-1] > 1.5 * prices[0]  # the rally the data holds (about 10k to 17k)
    assert bull > 0.6
    bear, prices = share("2018-11-14", "2018-11-26", Direction.SHORT)
    assert prices[-1] < 0.75 * prices[0]  # the November 2018 fall (about 6.3k to 4k)
    assert bear > 0.6
    # Each symbol's signals are its own: BTC alone gives the same.
    assert market_runner(TrendAgent, {"BTC/USD": bars})["BTC/USD"] == btc


def test_an_agent_joining_a_history_mid_run_reads_the_bars_before(btc_bars) -> None:
    bars = btc_bars[:900]
    history = History("BTC/USD", timeframe="1h")
    early, late = TrendAgent(), TrendAgent()
    for i, bar in enumerate(bars):
        history.append(bar)
        expected = early.on_bar(bar, history)
        if i >= 600:
            assert late.on_bar(bar, history) == expected


def test_coarse_timeframes_alone_speak_once_their_bars_suffice(make_bars) -> None:
    bars = make_bars("A/USD", walk(500, 6), start=DAY)  # 4h bar k closes with hour 4k + 3
    agent = TrendAgent(TrendOptions(timeframes=("4h",)))
    history = History("A/USD", timeframe="1h")
    out = []
    for bar in bars:
        history.append(bar)
        out.append(agent.on_bar(bar, history))
    first = next(i for i, s in enumerate(out) if s is not None)
    assert first == 4 * 98 + 3  # the 99th closed 4h bar gives EMA99 its first value
    assert out[first].rationale.split(". ")[1].startswith("4h: ")
    assert "1h" not in out[-1].rationale
