"""VaR / CVaR against closed forms and hand-counted samples; stress windows on two symbols."""

from __future__ import annotations

import math

import numpy as np
import pytest
from deepalpha.risk_report import (
    DAY_MS,
    build_report,
    daily_closes,
    format_report,
    historical_var,
    monte_carlo_var,
    parametric_var,
    tail_size,
    worst_windows,
)

# Standard normal quantiles from printed tables.
Z95 = 1.6448536269514722
Z99 = 2.3263478740408408


def phi(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def test_tail_size_has_no_float_noise():
    assert (1 - 0.95) * 100 > 5  # 5.000000000000004: a naive ceil would say 6
    assert tail_size(100, 0.95) == 5
    assert tail_size(100, 0.99) == 1
    assert tail_size(101, 0.95) == 6  # 5.05 -> 6
    assert tail_size(10, 0.99) == 1  # never empty


def test_historical_on_a_known_sample():
    # Returns -4.9%, -4.8%, ..., +5.0% (100 of them, shuffled). The 5 worst are -4.9 .. -4.5%:
    # VaR is the 5th worst loss, 4.5%; CVaR their mean, 4.7%.
    returns = [(k - 50) / 1000 for k in range(1, 101)]
    rng = np.random.default_rng(1)
    rng.shuffle(returns)
    var, cvar = historical_var(returns, 0.95)
    assert var == pytest.approx(0.045, abs=1e-15)
    assert cvar == pytest.approx(0.047, abs=1e-15)
    # At 99% the tail is the single worst day.
    assert historical_var(returns, 0.99) == pytest.approx((0.049, 0.049), abs=1e-15)


def test_parametric_is_the_normal_quantile_formula():
    # mean 0.1%, sd 2% a day, 99%: VaR = -0.001 + 0.02 x 2.32635 = 4.5527%.
    var, cvar = parametric_var(0.001, 0.02, 0.99)
    assert var == pytest.approx(-0.001 + 0.02 * Z99, rel=1e-12)
    assert var == pytest.approx(0.045527, abs=1e-6)
    assert cvar == pytest.approx(-0.001 + 0.02 * phi(Z99) / 0.01, rel=1e-12)
    # 95%, 10 days: mean x 10, sd x sqrt(10); CVaR factor phi(1.64485)/0.05 = 2.06271.
    var, cvar = parametric_var(0.0005, 0.01, 0.95, horizon=10)
    assert var == pytest.approx(-0.005 + 0.01 * math.sqrt(10) * Z95, rel=1e-12)
    assert cvar == pytest.approx(-0.005 + 0.01 * math.sqrt(10) * 2.0627128, rel=1e-6)


def test_on_normal_returns_the_three_methods_agree():
    rng = np.random.default_rng(7)
    daily = rng.normal(0.0005, 0.01, size=200_000)
    expected_var = -0.0005 + 0.01 * Z95
    expected_cvar = -0.0005 + 0.01 * phi(Z95) / 0.05
    hist = historical_var(daily, 0.95)
    mc = monte_carlo_var(daily, 0.95, simulations=200_000, seed=3)
    param = parametric_var(float(np.mean(daily)), float(np.std(daily, ddof=1)), 0.95)
    for var, cvar in (hist, mc, param):
        assert var == pytest.approx(expected_var, rel=0.02)
        assert cvar == pytest.approx(expected_cvar, rel=0.02)


def test_monte_carlo_is_seeded():
    daily = np.random.default_rng(0).normal(0, 0.02, 500)
    a = monte_carlo_var(daily, 0.95, 5, simulations=2_000, seed=11)
    assert a == monte_carlo_var(daily, 0.95, 5, simulations=2_000, seed=11)
    assert a != monte_carlo_var(daily, 0.95, 5, simulations=2_000, seed=12)


def test_monte_carlo_of_a_constant_return_compounds():
    # Every day -1%: every 3-day path loses 1 - 0.99^3 = 2.9701%.
    var, cvar = monte_carlo_var([-0.01] * 10, 0.95, 3, simulations=500)
    assert var == pytest.approx(0.029701, abs=1e-12) and cvar == pytest.approx(0.029701, abs=1e-12)


def test_daily_closes_keep_each_days_last_value():
    h = 3_600_000
    ts = np.array([0, h, 23 * h, DAY_MS, DAY_MS + h, 3 * DAY_MS])
    days, values = daily_closes(ts, np.array([1.0, 2, 3, 4, 5, 6]))
    assert days.tolist() == [0, DAY_MS, 3 * DAY_MS]
    assert values.tolist() == [3.0, 5.0, 6.0]


def test_worst_windows_by_hand():
    # Daily closes 100, 110, 90, 95, 80, 120, 60.
    ts = np.arange(7) * DAY_MS
    close = np.array([100.0, 110, 90, 95, 80, 120, 60])
    # One day: 110 -> 90 (-18.18%), 95 -> 80 (-15.79%), 120 -> 60 (-50%).
    got = worst_windows(ts, close, 1, count=3)
    assert [(round(d, 6), i, j) for d, i, j in got] == [
        (-0.5, 5, 6),
        (round(90 / 110 - 1, 6), 1, 2),
        (round(80 / 95 - 1, 6), 3, 4),
    ]
    # Three days: 110 -> 80 (-27.27%) in days 1..4; next without overlap: 120 -> 60.
    got = worst_windows(ts, close, 3, count=2)
    assert [(i, j) for _, i, j in got] == [(5, 6), (1, 4)]
    assert worst_windows(ts, np.arange(7, dtype=float) + 1, 30) == []  # never falls


def test_report_replays_windows_on_two_symbols():
    # BTC falls 20% on day 3 -> 4; ETH rises 10% over those same two closes.
    ts = np.arange(6) * DAY_MS
    btc = np.array([100.0, 101, 102, 100, 80, 82])
    eth = np.array([50.0, 49, 50, 50, 55, 54])
    equity = np.array([10_000.0, 10_100, 9_900, 10_000, 9_500, 9_600])
    report = build_report(
        returns_ts=ts,
        returns_values=equity,
        positions={"BTC": 2_000.0, "ETH": -1_000.0},
        series={"BTC": (ts, btc), "ETH": (ts, eth)},
        value=9_600.0,
        source="test",
        confidence=0.8,
        windows=(1,),
        simulations=1_000,
    )
    (btc_day,) = [s for s in report.stress if s.symbol == "BTC"]
    assert (btc_day.start, btc_day.end) == (3 * DAY_MS, 4 * DAY_MS)
    assert btc_day.returns == {"BTC": pytest.approx(-0.2), "ETH": pytest.approx(0.1)}
    # 2,000 x -20% + (-1,000) x +10% = -500.
    assert btc_day.pnl == pytest.approx(-500.0)
    assert btc_day.pnl_fraction == pytest.approx(-500 / 9_600)
    # ETH's worst day: 50 -> 49 (day 0 -> 1, -2%): BTC +1% then. -1,000 x -2% + 2,000 x 1% = +40.
    (eth_day,) = [s for s in report.stress if s.symbol == "ETH"]
    assert eth_day.pnl == pytest.approx(40.0)
    # Historical at 80% on 5 daily returns: the tail is the single worst, 9,500 / 10,000 - 1.
    hist = report.var[0]
    assert hist.method == "historical" and hist.observations == 5
    assert hist.var == pytest.approx(0.05) and hist.var_amount == pytest.approx(0.05 * 9_600)
    text = format_report(report)
    assert "historical" in text and "-500.00" in text and "BTC" in text
    assert report.to_json()["stress"][0]["returns"]


def test_report_refuses_too_short_a_series():
    with pytest.raises(ValueError, match="VaR needs at least 2 daily returns"):
        build_report(
            returns_ts=np.array([0, DAY_MS]),
            returns_values=np.array([1.0, 2.0]),
            positions={},
            series={},
            value=1.0,
            source="x",
        )


def test_confidence_is_checked():
    with pytest.raises(ValueError, match=r"confidence: must be in \[0.5, 1\), got 1.0"):
        historical_var([0.1], 1.0)
