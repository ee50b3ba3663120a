"""``deepalpha patterns stats`` on the bundled data, checked against figures computed here from
TA-Lib's output with numpy, and its errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import talib
from click.testing import CliRunner
from deepalpha.cli.main import build_cli
from deepalpha.history import History
from deepalpha_agent_pattern.agent import PatternAgent

HORIZONS = (1, 4, 24)


@pytest.fixture(scope="module")
def report() -> dict:
    result = CliRunner().invoke(build_cli(), ["patterns", "stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def row(report: dict, pattern: str, direction: str) -> dict:
    (found,) = [
        r for r in report["patterns"] if r["pattern"] == pattern and r["direction"] == direction
    ]
    return found


def expected(close: np.ndarray, at: np.ndarray, sign: int, h: int) -> tuple[int, float, float]:
    """n, mean forward return and hit rate, by a second route: shifted arrays and a mask."""
    n = len(close)
    future = np.full(n, np.nan)
    future[: n - h] = close[h:]
    ret = future / close - 1.0
    mask = np.zeros(n, dtype=bool)
    mask[at] = True
    mask &= ~np.isnan(ret)
    return int(mask.sum()), float(ret[mask].mean()), float((sign * ret[mask] > 0).mean())


def test_engulfing_figures_match_an_independent_computation(report, btc) -> None:
    o, h, lo, c = (
        np.asarray(getattr(btc, n), dtype=np.float64) for n in ("open", "high", "low", "close")
    )
    engulfing = talib.CDLENGULFING(o, h, lo, c)
    assert report["bars"] == len(c) == 20_111
    assert report["horizons"] == list(HORIZONS)
    for direction, sign in (("bullish", 1), ("bearish", -1)):
        at = np.flatnonzero(np.sign(engulfing) == sign)
        got = row(report, "engulfing", direction)
        assert got["source"] == "CDLENGULFING" and got["kind"] == "candlestick"
        assert got["count"] == len(at)
        for hz in HORIZONS:
            n, mean, hit = expected(c, at, sign, hz)
            stats = got["horizons"][str(hz)]
            assert stats["n"] == n
            assert stats["mean_return"] == pytest.approx(mean, rel=1e-9)
            assert stats["hit_rate"] == pytest.approx(hit, rel=1e-12)


def test_baseline_and_indecision_rows(report, btc) -> None:
    c = np.asarray(btc.close, dtype=np.float64)
    base = report["baseline"]
    assert base["count"] == len(c)
    n, mean, hit = expected(c, np.arange(len(c)), 1, 24)
    assert base["horizons"]["24"] == {"n": n, "mean_return": pytest.approx(mean), "hit_rate": hit}
    doji = row(report, "doji", "indecision")
    assert doji["horizons"]["1"]["hit_rate"] is None  # no direction, no hit rate
    never = [r for r in report["patterns"] if r["count"] == 0]
    assert all(r["horizons"] == {} for r in never)
    assert {r["source"] for r in report["patterns"] if r["kind"] == "candlestick"} >= {
        "CDLHAMMER",
        "CDLMORNINGSTAR",
    }


def test_chart_rows_count_what_the_agent_confirms(report, btc_bars) -> None:
    agent = PatternAgent()
    history = History("BTC/USD")
    counts: dict[tuple[str, str], int] = {}
    for bar in btc_bars:
        history.append(bar)
        agent.on_bar(bar, history)
        for p in agent.detector.new_patterns:  # what the agent learnt at this bar
            key = (p.kind, "bullish" if p.direction > 0 else "bearish")
            counts[key] = counts.get(key, 0) + 1
    rows = {
        (r["pattern"], r["direction"]): r["count"]
        for r in report["patterns"]
        if r["kind"] == "chart" and r["count"]
    }
    assert rows == counts
    assert len({kind for kind, _ in rows}) == 7  # every chart pattern fired on this data


def test_table_output_and_options() -> None:
    result = CliRunner().invoke(
        build_cli(),
        [
            "patterns",
            "stats",
            "--patterns",
            "hammer, morning star",
            "--horizons",
            "2,8",
            "--start",
            "2018-01-01",
            "--end",
            "2018-07-01",
        ],
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert (
        "BTC/USD 1h (bundled:btcusd-1h), 4,344 bars, 2018-01-01 00:00 to 2018-06-30 23:00" in text
    )
    assert "hammer" in text and "mean 8 %" in text and "every bar" in text
    assert "never fired: morning_star" in text
    assert "engulfing" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizons", "0"], "--horizons: every horizon must be >= 1 bar, got '0'"),
        (["--horizons", "a,b"], "--horizons: must be bar counts separated by commas"),
        (["--patterns", "hamer"], "--patterns: unknown candlestick pattern 'hamer'; valid names"),
        (["--path", "bundled:nope"], "--path: no bundled dataset 'bundled:nope'"),
        (["--symbol", "ETH/USD"], "holds BTC/USD, not ETH/USD"),
        (["--start", "yesterday"], "--start: not an ISO date or datetime: 'yesterday'"),
        (["--start", "2030-01-01"], "no BTC/USD 1h candles from 2030-01-01"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message) -> None:
    result = CliRunner().invoke(build_cli(), ["patterns", "stats", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
