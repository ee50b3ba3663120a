"""A real freqtrade backtest of DeepAlphaStrategy, offline, checked against DeepAlpha's own engine.

freqtrade 2026.9 runs `backtesting` in a child process on a user_data folder written by
`deepalpha freqtrade init` (the bundled BTC/USD candles and the synthetic SYN/USD pair, stored by
freqtrade's data handler), with the exchange's markets served from 127.0.0.1. The expected trades
are computed here without the strategy: the candles are read back through DeepAlpha's `file`
data source, the configured agents run through `deepalpha.testing.run_symbols` (one instance per
pair), and a `DecisionEngine` decides; a buy while flat opens a trade at the next candle's open,
a sell while long closes it there.
"""

from __future__ import annotations

import attrs
import pytest

pytest.importorskip("freqtrade")

from deepalpha.config.schema import DecisionConfig
from deepalpha.domain import Action, Bar
from deepalpha.engine.decision import DecisionEngine
from deepalpha.plugins import load_plugins
from deepalpha.testing import run_symbols
from deepalpha_freqtrade.cli import run_backtest
from deepalpha_freqtrade.userdata import AGENTS, PAIRS, write_user_data

HOUR = 3_600_000
CANDLES = 1500


@pytest.fixture(scope="module")
def backtest(tmp_path_factory):
    dest = tmp_path_factory.mktemp("user_data")
    write_user_data(dest, candles=CANDLES)
    code, requests = run_backtest(
        dest,
        "DeepAlpha",
        ["--export", "trades", "--cache", "none"],
        capture_output=True,
        text=True,
    )
    assert code == 0, "freqtrade backtesting failed"
    from freqtrade.data.btanalysis import load_backtest_data

    trades = load_backtest_data(dest / "backtest_results")
    return dest, trades, requests


def _bars(dest, pair: str) -> list[Bar]:
    spec = load_plugins().resolve("data", "file")
    source = spec.build(spec.options(datadir=str(dest / "data" / "binance")))
    s = source.fetch(pair, "1h")
    return [
        Bar(pair, int(t), float(o), float(h), float(lo), float(c), float(v))
        for t, o, h, lo, c, v in zip(s.ts, s.open, s.high, s.low, s.close, s.volume, strict=True)
    ]


def _expected_trades(bars: list[Bar]) -> list[tuple[int, int | None]]:
    """(open ms, close ms or None while still open at the end) from DeepAlpha's engine."""
    plugins = load_plugins()
    enabled = [name for name, cfg in AGENTS.items() if cfg["enabled"]]
    pair = bars[0].symbol
    per_agent = {}
    for name in enabled:
        spec = plugins.resolve("agent", name)
        per_agent[name] = run_symbols(lambda spec=spec: spec.build(spec.options()), {pair: bars})[
            pair
        ]
    engine = DecisionEngine(
        DecisionConfig(threshold=0.1, min_confidence=0.0),
        {name: AGENTS[name]["weight"] for name in enabled},
    )
    trades: list[tuple[int, int | None]] = []
    held = 0
    for i, bar in enumerate(bars):
        signals = [
            attrs.evolve(per_agent[name][i], agent=name, symbol=pair, ts=bar.ts)
            for name in enabled
            if per_agent[name][i] is not None
        ]
        decision = engine.decide(bar, signals, held)
        if decision is None or i + 1 == len(bars):
            continue  # a decision on the last candle has no next open to act on
        if decision.action is Action.BUY and held == 0:
            trades.append((bar.ts + HOUR, None))
            held = 1
        elif decision.action is Action.SELL and held == 1:
            trades[-1] = (trades[-1][0], bar.ts + HOUR)
            held = 0
    return trades


def _ms(series) -> list[int]:
    return [int(x) for x in series.dt.as_unit("ms").astype("int64")]


def test_backtest_runs_offline_and_trades_both_pairs(backtest):
    _, trades, requests = backtest
    # The one request freqtrade made went to the loopback market server: markets, nothing else.
    assert requests == ["/api/v3/exchangeInfo"]
    assert set(trades["pair"]) == set(PAIRS)
    for pair in PAIRS:
        assert (trades["pair"] == pair).sum() >= 5
    assert trades["enter_tag"].str.startswith("deepalpha buy ").all()
    closed = trades[trades["exit_reason"] != "force_exit"]
    assert closed["exit_reason"].str.startswith("deepalpha sell ").all()


@pytest.mark.parametrize("pair", PAIRS)
def test_trades_are_deepalpha_decisions(backtest, pair):
    dest, trades, _ = backtest
    bars = _bars(dest, pair)
    assert len(bars) == CANDLES
    expected = _expected_trades(bars)
    assert len(expected) >= 5
    got = trades[trades["pair"] == pair].sort_values("open_date")
    opens, closes = _ms(got["open_date"]), _ms(got["close_date"])
    assert opens == [o for o, _ in expected]
    for (_, close), got_close, reason in zip(expected, closes, got["exit_reason"], strict=True):
        if close is None:
            # Still open at the end: freqtrade closes it on the last candle.
            assert reason == "force_exit" and got_close == bars[-1].ts
        else:
            assert got_close == close
