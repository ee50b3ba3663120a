"""The risk agent: VaR/CVaR against scipy, sorting and hand-counted windows, the veto and its
release, correlation across symbols aligned by timestamp, no look-ahead, two or more symbols."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from deepalpha.config.converter import structure
from deepalpha.domain import Bar, Direction
from deepalpha.errors import ConfigError
from deepalpha.history import History
from deepalpha.testing import check_agent, random_walk_bars
from deepalpha_agent_risk.agent import RiskAgent
from deepalpha_agent_risk.options import RiskOptions
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

HOUR = 3_600_000
DAY = 24 * HOUR


def walk(n: int, seed: int, sigma: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0, sigma, n)))


def feed(agent: RiskAgent, bars: list[Bar], timeframe: str = "1h") -> list:
    history = History(bars[0].symbol, timeframe=timeframe)
    out = []
    for bar in bars:
        history.append(bar)
        out.append(agent.on_bar(bar, history))
    return out


def closes_to_bars(symbol: str, closes, step: int = HOUR) -> list[Bar]:
    return [
        Bar(symbol, step * (i + 1), float(c), float(c), float(c), float(c), 1.0)
        for i, c in enumerate(closes)
    ]


# -- the statistics ------------------------------------------------------------------------------


def expected_readings(closes: np.ndarray, t: int, n: int = 720, per_day: int = 24) -> dict:
    """Every reading at bar t from scipy and numpy, written apart from the agent's code: quantiles
    by numpy's inverted CDF, tail means by sorting, expected shortfalls by integrating quantile
    functions numerically."""
    r = closes[t - n + 1 : t + 1] / closes[t - n : t] - 1.0
    h, root = per_day, math.sqrt(per_day)
    mu, sd = r.mean(), r.std()
    k = math.ceil(0.01 * n - 1e-9)  # 1% of the returns, counted up: 8 of 720
    skew, kurt = stats.skew(r) / root, stats.kurtosis(r) / h  # of a sum of h independent bars

    def cf(p: float) -> float:
        z = stats.norm.ppf(p)
        return (
            z
            + (z**2 - 1) * skew / 6
            + (z**3 - 3 * z) * kurt / 24
            - (2 * z**3 - 5 * z) * skew**2 / 36
        )

    normal_tail = integrate.quad(stats.norm.ppf, 0, 0.01)[0] / 0.01
    cf_tail = integrate.quad(cf, 0, 0.01)[0] / 0.01
    return {
        "volatility": sd * root,
        "var_historical": -np.quantile(r, 0.01, method="inverted_cdf") * root,
        "cvar_historical": -np.sort(r)[:k].mean() * root,
        "var_parametric": -stats.norm(h * mu, sd * root).ppf(0.01),
        "cvar_parametric": -(h * mu + sd * root * normal_tail),
        "var_cornish_fisher": -(h * mu + sd * root * cf(0.01)),
        "cvar_cornish_fisher": -(h * mu + sd * root * cf_tail),
        "drawdown": 1.0 - closes[t] / closes[t - n + 1 : t + 1].max(),
    }


def test_readings_match_scipy_on_the_bundled_data(btc_bars) -> None:
    agent = RiskAgent()
    history = History("BTC/USD", timeframe="1h")
    closes = np.array([b.close for b in btc_bars])
    checks = {800, 5_000, 12_345, 20_110}
    for t, bar in enumerate(btc_bars):
        history.append(bar)
        agent.on_bar(bar, history)
        if t in checks:
            got = agent.readings
            for name, value in expected_readings(closes, t).items():
                assert got[name] == pytest.approx(value, rel=1e-7, abs=1e-12), (t, name)
    assert len(btc_bars) == 20_111


def test_historical_var_and_cvar_of_hand_counted_windows() -> None:
    # Daily bars (one bar is one day: no scaling). 199 quiet days and one of -10%, then -6%.
    quiet = [0.01, -0.01] * 99
    returns = [*quiet, -0.10, -0.06]  # 200 returns: 1% of them is 2
    closes = 100 * np.cumprod([1.0, *(1 + np.array(returns))])
    agent = RiskAgent(RiskOptions(window=200))
    feed(agent, closes_to_bars("A/USD", closes, DAY), timeframe="1d")
    got = agent.readings
    assert got["var_historical"] == pytest.approx(0.06)  # the 2nd worst day
    assert got["cvar_historical"] == pytest.approx(0.08)  # mean of -10% and -6%

    agent = RiskAgent(RiskOptions(window=100))
    feed(agent, closes_to_bars("A/USD", closes, DAY), timeframe="1d")
    assert agent.readings["var_historical"] == pytest.approx(0.10)  # 1 of 100: the worst day
    assert agent.readings["cvar_historical"] == pytest.approx(0.10)


def test_one_bar_figures_scale_to_a_day_by_the_square_root_of_time() -> None:
    closes = walk(300, 3)
    hourly, daily = RiskAgent(RiskOptions(window=200)), RiskAgent(RiskOptions(window=200))
    feed(hourly, closes_to_bars("A/USD", closes, HOUR), "1h")
    feed(daily, closes_to_bars("A/USD", closes, DAY), "1d")
    for name in ("volatility", "var_historical", "cvar_historical"):
        assert hourly.readings[name] == pytest.approx(daily.readings[name] * math.sqrt(24))


def test_readings_on_four_hour_bars_match_scipy(btc_bars) -> None:
    """The same check on 4h bars (6 a day) resampled from the bundled hours."""
    hours = btc_bars[13:4_813]  # from 00:00 UTC, so each 4 consecutive hours make one bar
    closes = np.array([b.close for b in hours])[3::4]
    bars = closes_to_bars("BTC/USD", closes, 4 * HOUR)
    agent = RiskAgent(RiskOptions(window=720 // 6 * 5))
    feed(agent, bars, "4h")
    expected = expected_readings(closes, len(closes) - 1, n=600, per_day=6)
    for name, value in expected.items():
        assert agent.readings[name] == pytest.approx(value, rel=1e-7), name


# -- the verdict ---------------------------------------------------------------------------------


def test_a_crash_vetoes_and_the_veto_holds_until_below_release() -> None:
    rng = np.random.default_rng(2)
    returns = np.concatenate(
        [rng.normal(0, 0.002, 300), np.full(12, -0.05), rng.normal(0, 0.002, 600)]
    )
    closes = 100 * np.cumprod(1 + returns)
    agent = RiskAgent(RiskOptions(window=100, drawdown_window=200))
    history = History("A/USD", timeframe="1h")
    vetoed, levels, signals = False, [], []
    for bar in closes_to_bars("A/USD", closes):
        history.append(bar)
        sig = agent.on_bar(bar, history)
        if sig is None:
            continue
        level = agent.readings["level"]
        vetoed = level >= 0.9 if vetoed else level >= 1.0  # the rule, as the README states it
        assert sig.veto is vetoed
        assert sig.direction is (Direction.SHORT if level >= 0.7 or vetoed else Direction.FLAT)
        levels.append(level)
        signals.append(sig)
    assert not signals[0].veto and signals[0].direction is Direction.FLAT
    first = next(i for i, s in enumerate(signals) if s.veto)
    assert 199 <= first <= 212  # the crash: bars 300-311, signals from bar 100
    assert signals[first].rationale.startswith("risk-off (")
    assert signals[first].strength == 1.0 and signals[first].confidence == 1.0
    assert not signals[-1].veto  # quiet again: released


def test_max_position_per_symbol_reports_the_equity_at_risk() -> None:
    bars = random_walk_bars(300, "A/USD", 4)
    for cap in (0.05, 0.02):
        agent = RiskAgent(RiskOptions(window=120, max_position_per_symbol=cap))
        sig = feed(agent, bars)[-1]
        tenths = int(agent.readings["var_historical"] * 1000)  # printed in tenths of a percent
        pct = f"{tenths / 10:.1f}%"
        share = f"{tenths / 10 * cap:.2f}%"
        assert f"VaR (historical) {pct}" in sig.rationale
        assert f"a {cap * 100:.1f}% position (max_position_per_symbol) risks {share}" in (
            sig.rationale
        )


# -- correlation ---------------------------------------------------------------------------------


def _correlation(a: list[Bar], b: list[Bar], before: int, window: int) -> float:
    """Pearson correlation of returns over common timestamps among each symbol's last window+1
    bars before ``before``, aligned through dictionaries."""
    a_bars = [x for x in a if x.ts < before][-window - 1 :]
    b_bars = [x for x in b if x.ts < before][-window - 1 :]
    b_close = {x.ts: x.close for x in b_bars}
    common = [(x.close, b_close[x.ts]) for x in a_bars if x.ts in b_close]
    pa = np.array([p for p, _ in common])
    pb = np.array([q for _, q in common])
    return stats.pearsonr(np.diff(pa) / pa[:-1], np.diff(pb) / pb[:-1]).statistic


def test_correlation_across_symbols_aligned_by_timestamp(market_runner) -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(0, 0.01, 400)
    a = closes_to_bars("A/USD", 100 * np.cumprod(1 + base))
    b = closes_to_bars("B/USD", 50 * np.cumprod(1 + base + rng.normal(0, 0.003, 400)))
    c_all = closes_to_bars("C/USD", 20 * np.cumprod(1 + rng.normal(0, 0.01, 400)))
    c = [bar for i, bar in enumerate(c_all) if i % 7 != 3]  # C misses some hours
    options = RiskOptions(window=120, correlation_every=10)
    out = market_runner(lambda: RiskAgent(options), {"A/USD": a, "B/USD": b, "C/USD": c})
    checked = 0
    for i, sig in enumerate(out["A/USD"]):
        if sig is None or (i - 120) % 10:
            continue  # correlations are computed on the first signal and every 10 bars after
        listed = dict(re.findall(r"(\w/USD) ([+-][0-9.]+)", sig.rationale.split("Correlation")[1]))
        for other, bars in (("B/USD", b), ("C/USD", c)):
            assert float(listed[other]) == pytest.approx(
                _correlation(a, bars, a[i].ts, 120), abs=0.0051
            ), (i, other)
        checked += 1
    assert checked >= 20
    last = out["A/USD"][-1].rationale
    # B follows A closely (about 0.95): A counts as concentrated and leans towards reducing.
    assert ">= 0.9: concentrated" in last
    assert out["A/USD"][-1].direction is Direction.SHORT and not out["A/USD"][-1].veto


def test_correlation_reads_no_bar_of_the_same_time(market_runner) -> None:
    """Symbols sharing a timestamp are handed out one after another: whichever goes first, the
    agents see the same, since the other symbols' columns stop before the current time."""
    a = random_walk_bars(200, "A/USD", 1)
    b = random_walk_bars(200, "B/USD", 2)
    options = RiskOptions(window=100, correlation_every=5)
    one = market_runner(lambda: RiskAgent(options), {"A/USD": a, "B/USD": b})
    other = market_runner(lambda: RiskAgent(options), {"B/USD": b, "A/USD": a})
    assert one == other
    assert "Correlation of returns over 100 bars: B/USD" in one["A/USD"][-1].rationale


@settings(max_examples=20)
@given(
    st.lists(st.floats(-0.05, 0.05), min_size=105, max_size=180),
    st.lists(st.floats(-0.05, 0.05), min_size=105, max_size=180),
    st.integers(0, 179),
)
def test_signal_at_t_is_the_signal_on_the_prefix(market_runner, ra, rb, cut) -> None:
    bars = {
        "A/USD": closes_to_bars("A/USD", 100 * np.cumprod(1 + np.array([0.0, *ra]))),
        "B/USD": closes_to_bars("B/USD", 10 * np.cumprod(1 + np.array([0.0, *rb]))),
    }
    options = RiskOptions(window=100, correlation_every=7, drawdown_window=50)
    full = market_runner(lambda: RiskAgent(options), bars)
    prefix = market_runner(lambda: RiskAgent(options), bars, before=HOUR * (cut + 2))
    for symbol in bars:
        assert full[symbol][: len(prefix[symbol])] == prefix[symbol]
        for sig in full[symbol]:
            if sig is not None:
                assert 0 <= sig.strength <= 1 and 0 <= sig.confidence <= 1
                assert sig.veto == (sig.strength == 1.0 and sig.direction is Direction.SHORT)


# -- options, contract, registration, bundled data -----------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": 50}, "window: must be >= 100 bars, got 50"),
        ({"level": 1.0}, "level: must be in (0.5, 1), got 1.0"),
        ({"max_var": 0.0}, "max_var: must be > 0, got 0.0"),
        ({"max_drawdown": 1.5}, "max_drawdown: must be in (0, 1], got 1.5"),
        ({"caution": 0.95}, "caution: must be < release (0.9), got 0.95"),
        ({"max_position_per_symbol": 0.0}, "max_position_per_symbol: must be in (0, 1], got 0.0"),
        ({"correlation_every": 0}, "correlation_every: must be >= 1, got 0"),
    ],
)
def test_bad_options_name_the_field(options, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        RiskOptions(**options)


def test_config_errors_name_the_key() -> None:
    path = "agents.risk.options"
    assert structure({"max_position_per_symbol": 0.05}, RiskOptions, path) == RiskOptions()
    with pytest.raises(ConfigError, match=r"agents\.risk\.options\.var_method"):
        structure({"var_method": "monte_carlo"}, RiskOptions, path)


def test_contract_on_two_symbols() -> None:
    signals = check_agent(
        lambda: RiskAgent(RiskOptions(window=100)),
        random_walk_bars(300, "A/USD", 1),
        random_walk_bars(300, "B/USD", 2),
    )
    assert signals[99] is None and all(s is not None for s in signals[100:])


def test_a_non_positive_close_is_refused() -> None:
    bars = closes_to_bars("A/USD", [100.0, 0.0])
    with pytest.raises(ValueError, match=r"A/USD: close must be > 0 for returns, got 0.0"):
        feed(RiskAgent(), bars)


def test_registered_under_its_name(deepalpha_plugins) -> None:
    spec = deepalpha_plugins.resolve("agent", "risk")
    assert spec.options is RiskOptions
    assert isinstance(spec.factory(RiskOptions()), RiskAgent)


def test_bundled_btc_crashes_are_risk_off_and_2019_is_not(btc_bars, market_runner) -> None:
    alt = walk(len(btc_bars), 8)
    other = [Bar("ALT/USD", b.ts, c, c, c, c, 1.0) for b, c in zip(btc_bars, alt, strict=True)]
    out = market_runner(RiskAgent, {"BTC/USD": btc_bars, "ALT/USD": other})
    btc = out["BTC/USD"]
    ts = np.array([b.ts for b in btc_bars])

    def window(start: str, end: str) -> list:
        lo, hi = (int(np.datetime64(d, "ms").astype(np.int64)) for d in (start, end))
        return [btc[i] for i in np.nonzero((ts >= lo) & (ts < hi))[0]]

    assert all(s.veto for s in window("2018-02-01", "2018-02-10"))  # BTC ~10k -> 6k -> 8k
    assert not any(s.veto for s in window("2019-01-01", "2020-01-01"))
    share = sum(s is not None and s.veto for s in btc) / len(btc)
    assert 0.07 < share < 0.10  # "9% of the bars", as the README says
    assert "ALT/USD" in btc[-1].rationale  # the other symbol's correlation is reported
    solo = market_runner(RiskAgent, {"BTC/USD": btc_bars})["BTC/USD"]
    # An unrelated symbol changes the report, not the verdict.
    assert [(s.direction, s.strength, s.veto) if s else None for s in solo] == [
        (s.direction, s.strength, s.veto) if s else None for s in btc
    ]
