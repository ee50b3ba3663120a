"""The agent API the product description shows, piece by piece (the snippets themselves run in
tests/test_seed_snippets.py): ``deepalpha.core``, ``BaseAgent`` and ``get_market_data``,
``deepalpha_rust.TechnicalIndicators``, ``Settings``, ``register_agent`` and ``DeepAlphaEngine``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import pickle
import subprocess
import sys

import attrs
import deepalpha
import numpy as np
import pytest
import talib
from deepalpha import agents as agents_module
from deepalpha import domain
from deepalpha.agents import Agent, BaseAgent, MarketData, register_agent, unregister_agent
from deepalpha.config import Config, Settings, to_dict
from deepalpha.errors import ConfigError, PluginError
from deepalpha.history import History, Market
from deepalpha.plugins import get_plugin_manager
from deepalpha.testing import random_walk_bars
from deepalpha_rust import IndicatorOutputs, IndicatorValue, TechnicalIndicators
from hypothesis import given, settings
from hypothesis import strategies as st

HOUR = 3_600_000

# -- deepalpha.core -------------------------------------------------------------------------------


def test_core_reexports_the_engines_own_classes() -> None:
    from deepalpha import core

    for name in ("Signal", "Direction", "Bar", "Decision", "Action"):
        assert getattr(core, name) is getattr(domain, name)
    buy = core.Signal.buy(confidence=0.8)
    assert (buy.direction, buy.confidence, buy.strength) == (domain.Direction.LONG, 0.8, 1.0)
    assert core.Signal.hold().direction is domain.Direction.FLAT


# -- BaseAgent and get_market_data ----------------------------------------------------------------


class Probe(BaseAgent):
    """Records what get_market_data returns for the asked (symbol, timeframe) pairs."""

    def __init__(self, asks: list[tuple[str | None, str | None]]) -> None:
        super().__init__()
        self.asks = asks
        self.seen: list[tuple[int, list[MarketData | Exception]]] = []

    async def analyze(self, symbol: str, timeframe: str) -> domain.Signal:
        got: list[MarketData | Exception] = []
        for sym, tf in self.asks:
            try:
                got.append(await self.get_market_data(sym, tf))
            except Exception as exc:
                got.append(exc)
        self.seen.append((self.bar.ts, got))
        return domain.Signal.buy(confidence=0.5)


def _drive(bars_by_symbol, make_agent, timeframe="1h"):
    """Feed bars in time order, one agent per symbol, as the engine does (History + Market)."""
    histories: dict[str, History] = {}
    market = Market(histories)
    agents: dict[str, BaseAgent] = {}
    signals = []
    loop = asyncio.new_event_loop()
    try:
        stream = sorted(
            (bar for bars in bars_by_symbol.values() for bar in bars), key=lambda b: b.ts
        )
        for bar in stream:
            if bar.symbol not in histories:
                histories[bar.symbol] = History(bar.symbol, timeframe=timeframe, market=market)
                agents[bar.symbol] = make_agent()
            history = histories[bar.symbol]
            history.append(bar)
            signals.append(loop.run_until_complete(agents[bar.symbol].on_bar(bar, history)))
    finally:
        loop.close()
    return agents, signals


def _reference_resample(bars, step: int, base: int, offset: int = 0):
    """Closed coarse bars by plain grouping: a period counts once its last base bar is in or a
    later period has started (independent of History's resampler and of agents._resample)."""
    groups: dict[int, list] = {}
    for bar in bars:
        groups.setdefault((bar.ts - offset) // step * step + offset, []).append(bar)
    starts = list(groups)
    out = []
    for i, start in enumerate(starts):
        members = groups[start]
        closed = i < len(starts) - 1 or members[-1].ts + base >= start + step
        if closed:
            out.append(
                (
                    start,
                    members[0].open,
                    max(b.high for b in members),
                    min(b.low for b in members),
                    members[-1].close,
                    sum(b.volume for b in members),
                )
            )
    return out


def _rows(data: MarketData):
    return list(
        zip(
            data["ts"].tolist(),
            data["open"].tolist(),
            data["high"].tolist(),
            data["low"].tolist(),
            data["close"].tolist(),
            data["volume"].tolist(),
            strict=True,
        )
    )


def _assert_rows(got, want) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g[:5] == w[:5]
        assert g[5] == pytest.approx(w[5], rel=1e-12)


def test_get_market_data_own_coarser_and_other_symbol_never_look_ahead() -> None:
    bars = {
        "BTC/USDT": random_walk_bars(60, symbol="BTC/USDT", seed=1),
        "ETH/USDT": random_walk_bars(60, symbol="ETH/USDT", seed=2),
    }
    asks = [(None, None), (None, "4h"), ("ETH/USDT", "1h"), ("BTC/USDT", "1h"), ("ETH/USDT", "4h")]
    agents, signals = _drive(bars, lambda: Probe(asks))

    for symbol, agent in agents.items():
        other = "ETH/USDT" if symbol == "BTC/USDT" else "BTC/USDT"
        assert len(agent.seen) == 60
        if symbol == "BTC/USDT":  # ETH's first bar comes after BTC's: the run does not know it
            first = agent.seen.pop(0)[1]
            assert "'ETH/USDT' has no bars in this run so far" in str(first[2])
        for ts, (own, own_4h, eth, btc, eth_4h) in agent.seen:
            upto = [b for b in bars[symbol] if b.ts <= ts]
            expected_own = [(b.ts, b.open, b.high, b.low, b.close, b.volume) for b in upto]
            assert _rows(own) == expected_own
            assert (own.symbol, own.timeframe) == (symbol, "1h")
            _assert_rows(_rows(own_4h), _reference_resample(upto, 4 * HOUR, HOUR))
            # Another symbol: strictly earlier bars only, whatever order symbols were processed.
            mine, theirs = (btc, eth) if symbol == "BTC/USDT" else (eth, btc)
            assert _rows(mine) == expected_own
            before = [b for b in bars[other] if b.ts < ts]
            assert _rows(theirs) == [
                (b.ts, b.open, b.high, b.low, b.close, b.volume) for b in before
            ]
            eth_source = upto if symbol == "ETH/USDT" else before
            _assert_rows(_rows(eth_4h), _reference_resample(eth_source, 4 * HOUR, HOUR))
            for data in (own, own_4h, theirs, eth_4h):
                assert all(not data[name].flags.writeable for name in data)
    # Signal.buy() leaves agent/symbol/ts for the engine to fill in.
    assert all((s.agent, s.symbol, s.ts) == ("", "", 0) for s in signals)
    assert len({id(a) for a in agents.values()}) == 2
    assert all(a.uses_market for a in agents.values())  # they read each other's bars


def test_get_market_data_refuses_what_it_cannot_give() -> None:
    bars = {
        "BTC/USDT": random_walk_bars(8, symbol="BTC/USDT", seed=1),
        "ETH/USDT": random_walk_bars(8, symbol="ETH/USDT", seed=2),
    }
    asks = [(None, "15m"), ("SOL/USDT", None), (None, "7h")]
    agents, _ = _drive(bars, lambda: Probe(asks))
    finer, unknown, not_a_timeframe = agents["BTC/USDT"].seen[-1][1]
    assert isinstance(finer, ValueError) and "finer than the run's '1h'" in str(finer)
    assert isinstance(unknown, ValueError)
    assert "'SOL/USDT' has no bars in this run so far (symbols so far: BTC/USDT, ETH/USDT)" in str(
        unknown
    )
    assert isinstance(not_a_timeframe, ValueError) and "'7h' is not one of" in str(not_a_timeframe)

    four_hourly = {"BTC/USDT": [attrs.evolve(b, ts=b.ts * 4) for b in bars["BTC/USDT"]]}
    agents, _ = _drive(four_hourly, lambda: Probe([(None, "6h")]), timeframe="4h")
    (error,) = agents["BTC/USDT"].seen[-1][1]
    assert "'6h' is not a whole multiple of the run's '4h'" in str(error)


def test_get_market_data_outside_a_run() -> None:
    agent = Probe([(None, None), ("ETH/USDT", None)])
    with pytest.raises(RuntimeError, match="call it from analyze"):
        asyncio.run(agent.get_market_data("BTC/USDT", "1h"))
    history = History("BTC/USDT", timeframe="1h")  # no Market: an agent driven by hand
    bar = random_walk_bars(1, symbol="BTC/USDT")[0]
    history.append(bar)
    asyncio.run(agent.on_bar(bar, history))
    own, other = agent.seen[0][1]
    assert own["close"].tolist() == [bar.close]
    assert isinstance(other, ValueError) and "only available inside a run" in str(other)
    agent.reset()
    assert agent.bar is None and agent.history is None


def test_base_agent_is_an_async_agent_and_needs_analyze() -> None:
    assert issubclass(BaseAgent, Agent)
    assert asyncio.iscoroutinefunction(BaseAgent.on_bar)

    class NoAnalyze(BaseAgent):
        pass

    with pytest.raises(TypeError, match="analyze"):
        NoAnalyze()

    class Abstains(BaseAgent):
        async def analyze(self, symbol, timeframe):
            return None

    history = History("X/Y", timeframe="1h")
    bar = random_walk_bars(1, symbol="X/Y")[0]
    history.append(bar)
    assert asyncio.run(Abstains(name="quiet").on_bar(bar, history)) is None
    assert Abstains(name="quiet").name == "quiet"


def _bars_from_columns(symbol, ts):
    return [
        domain.Bar(symbol, int(t), 1.0 + i, 2.0 + i, 0.5 + i, 1.5 + i, 1.0 + i / 8)
        for i, t in enumerate(ts)
    ]


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=80),
    cut=st.integers(min_value=0, max_value=80),
    timeframe=st.sampled_from(["2h", "4h", "1d", "1w"]),
)
def test_resampling_another_symbol_agrees_with_history_resampled(gaps, cut, timeframe) -> None:
    """The cut-at-a-time resampling used for other symbols gives what ``History.resampled`` gives
    over the same bars, gaps included (the bars step 1-9 hours, so periods go missing)."""
    ts = np.cumsum([h * HOUR for h in gaps]) + 1_600_000_000_000 // HOUR * HOUR
    bars = _bars_from_columns("ETH/USDT", ts)[:cut]
    history = History("ETH/USDT", timeframe="1h")
    for bar in bars:
        history.append(bar)
    want = history.resampled(timeframe)
    columns = {
        name: history.column(name) for name in ("ts", "open", "high", "low", "close", "volume")
    }
    step = deepalpha.data.TIMEFRAMES[timeframe]
    got = agents_module._resample(columns, HOUR, step)
    for name in ("ts", "open", "high", "low", "close"):
        assert got[name].tolist() == want.column(name).tolist(), name
    np.testing.assert_allclose(got["volume"], want.column("volume"), rtol=1e-12)
    offset = 4 * 86_400_000 if timeframe == "1w" else 0
    assert [r[0] for r in _reference_resample(bars, step, HOUR, offset)] == got["ts"].tolist()


# -- deepalpha_rust.TechnicalIndicators -----------------------------------------------------------


@pytest.fixture(scope="module")
def ohlc():
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 500)))
    high = close * (1 + rng.uniform(0, 0.01, 500))
    low = close * (1 - rng.uniform(0, 0.01, 500))
    return high, low, close


def _same(value: IndicatorValue, expected: np.ndarray) -> None:
    np.testing.assert_allclose(value.values, expected, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert float(value) == pytest.approx(expected[-1], rel=1e-9)
    assert not value.values.flags.writeable


def test_technical_indicators_match_talib(ohlc) -> None:
    high, low, close = ohlc
    ti = TechnicalIndicators()
    prices = close.tolist()  # lists, as in the product description
    _same(ti.calculate_sma(prices, period=20), talib.SMA(close, 20))
    _same(ti.calculate_sma(close), talib.SMA(close))  # TA-Lib's default period
    _same(ti.calculate_ema(prices, period=12), talib.EMA(close, 12))
    _same(ti.calculate_rsi(prices, period=14), talib.RSI(close, 14))
    _same(ti.calculate_atr(high, low, close, period=14), talib.ATR(high, low, close, 14))
    macd = ti.calculate_macd(prices)
    assert list(macd) == ["macd", "signal", "histogram"]
    for got, want in zip(macd.values(), talib.MACD(close), strict=True):
        _same(got, want)
    assert macd.histogram is macd["histogram"]
    fast = ti.calculate_macd(close, fast_period=5, slow_period=13, signal_period=4)
    _same(fast["signal"], talib.MACD(close, 5, 13, 4)[1])
    bands = ti.calculate_bollinger_bands(close, period=20, std_dev=2.5)
    for got, want in zip(bands.values(), talib.BBANDS(close, 20, 2.5, 2.5), strict=True):
        _same(got, want)


def test_technical_indicators_come_from_the_installed_kernel() -> None:
    import deepalpha_kernel
    import deepalpha_rust

    TechnicalIndicators().calculate_rsi([1.0, 2.0, 3.0])
    assert deepalpha_rust._kernel("rsi") is deepalpha_kernel.rsi


def test_indicator_value_reads_as_the_latest_number() -> None:
    ti = TechnicalIndicators()
    short = ti.calculate_rsi([45000, 45100, 45200], period=14)
    assert math.isnan(short) and not short.ready
    assert not (short < 30) and not (short > 70)  # no reading yet: neither oversold nor overbought
    assert f"{short}" == "nan" and short.values.shape == (3,)
    rising = ti.calculate_rsi(np.arange(1.0, 40.0), period=14)
    assert rising.ready and rising == 100.0 and rising > 70
    assert f"{rising}" == "100.0" and rising + 1 == 101.0 and type(rising + 1) is float
    again = pickle.loads(pickle.dumps(rising))
    assert again == rising and np.array_equal(again.values, rising.values, equal_nan=True)
    # A result can feed another indicator (its series is used).
    smoothed = ti.calculate_sma(ti.calculate_ema(np.arange(1.0, 40.0), period=5), period=3)
    assert smoothed == pytest.approx(np.mean(talib.EMA(np.arange(1.0, 40.0), 5)[-3:]))
    macd = ti.calculate_macd([1.0, 2.0])
    assert isinstance(macd, IndicatorOutputs) and len(macd) == 3
    assert repr(macd) == "IndicatorOutputs(macd=nan, signal=nan, histogram=nan)"
    with pytest.raises(KeyError, match="outputs: macd, signal, histogram"):
        macd["hist"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda ti: ti.calculate_sma([1.0, 2.0], period=0),
            "calculate_sma: period must be an integer >= 2, got 0",
        ),
        (
            lambda ti: ti.calculate_rsi([1.0], period=2.5),
            "calculate_rsi: period must be an integer >= 2, got 2.5",
        ),
        (
            lambda ti: ti.calculate_ema("abc", period=3),
            "calculate_ema: prices must be a sequence of numbers, got str",
        ),
        (
            lambda ti: ti.calculate_ema([[1.0, 2.0]], period=3),
            "calculate_ema: prices must be one-dimensional, got shape (1, 2)",
        ),
        (
            lambda ti: ti.calculate_macd([1.0], slow_period=True),
            "calculate_macd: slow_period must be an integer >= 2, got True",
        ),
        (
            lambda ti: ti.calculate_atr([1.0, 2.0], [1.0], [1.0, 2.0]),
            "calculate_atr: high, low and close must have one length, got 2, 1, 2",
        ),
        (
            lambda ti: ti.calculate_bollinger_bands([1.0] * 30, std_dev=0),
            "calculate_bollinger_bands: std_dev must be a number > 0, got 0",
        ),
    ],
)
def test_technical_indicators_name_bad_input(call, message) -> None:
    with pytest.raises(ValueError) as info:
        call(TechnicalIndicators())
    assert str(info.value) == message


def test_seed_names_that_do_not_exist_say_so() -> None:
    with pytest.raises(ImportError, match="WebSocketManager is not part of DeepAlpha"):
        from deepalpha_rust import WebSocketManager  # noqa: F401
    from deepalpha_rust import ExecutionEngine  # the Rust engine now exists (issue 9)

    assert ExecutionEngine().get_stats().total_orders == 0


# -- Settings -------------------------------------------------------------------------------------


def test_settings_from_file_is_the_layered_loader(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DEEPALPHA_ENV", raising=False)
    path = tmp_path / "mine.yaml"
    path.write_text(
        "market:\n  symbols: [BTC/USDT, ETH/USDT]\napp:\n  log_level: ${LEVEL:-ERROR}\n"
    )
    settings = Settings.from_file(path)
    assert isinstance(settings, Config)
    assert settings.market.symbols == ("BTC/USDT", "ETH/USDT")
    assert settings.app.log_level == "ERROR"
    assert settings.market.timeframe == "1h"  # from the packaged defaults
    assert (settings.path, settings.env) == (str(path), None)
    assert "path" not in to_dict(settings) and "env" not in to_dict(settings)
    dev = Settings.from_file(path, env="development")
    assert dev.env == "development" and dev.storage.url.endswith("deepalpha-dev.db")
    monkeypatch.setenv("DEEPALPHA_ENV", "backtest")
    assert Settings.from_file(path).env == "backtest"


def test_settings_from_a_missing_environment_file_uses_the_packaged_one(
    tmp_path, monkeypatch, caplog
) -> None:
    monkeypatch.delenv("DEEPALPHA_ENV", raising=False)
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="deepalpha.config.settings"):
        settings = Settings.from_file("config/development.yaml")
    assert settings.env == "development" and settings.path is None
    assert settings.app.log_level == "DEBUG"  # the packaged development overlay
    assert "config/development.yaml does not exist" in caplog.text
    with pytest.raises(ConfigError, match=r"config file config/mine\.yaml does not exist"):
        Settings.from_file("config/mine.yaml")


def test_settings_errors_name_the_file_and_key(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("market:\n  symbls: [BTC/USDT]\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: market: unknown key\(s\) symbls"):
        Settings.from_file(path)


# -- register_agent -------------------------------------------------------------------------------


class CountingAgent(BaseAgent):
    """Counts its bars."""

    async def analyze(self, symbol, timeframe):
        return domain.Signal.hold()


@pytest.fixture
def registered():
    names: list[str] = []
    yield names
    for name in names:
        unregister_agent(name)


def test_register_agent_makes_it_resolvable_by_name(registered) -> None:
    spec = register_agent(CountingAgent)
    registered.append(spec.name)
    assert spec.name == "counting" and spec.description == "Counts its bars."
    resolved = get_plugin_manager().resolve("agent", "counting")
    assert resolved.name == "counting" and resolved.description == spec.description
    first, second = resolved.build(), resolved.build()
    assert isinstance(first, CountingAgent) and first is not second  # one instance per symbol
    info = next(i for i in get_plugin_manager().infos if i.provides == ("agent:counting",))
    assert info.status == "ok" and info.name.endswith(":counting")

    class Other(CountingAgent):
        pass

    assert register_agent(Other, name="counting").factory is Other  # replaces, no clash
    assert type(get_plugin_manager().resolve("agent", "counting").build()) is Other
    unregister_agent("counting")
    with pytest.raises(PluginError, match="unknown agent 'counting'"):
        get_plugin_manager().resolve("agent", "counting")


def test_register_agent_refuses_instances_bad_names_and_reports_clashes(registered) -> None:
    with pytest.raises(TypeError, match="pass the class CountingAgent, not an instance"):
        register_agent(CountingAgent())
    with pytest.raises(ValueError, match="got 'My Agent'"):
        register_agent(CountingAgent, name="My Agent")
    registered.append("technical")
    register_agent(CountingAgent, name="technical")
    with pytest.raises(PluginError, match="agent name 'technical' is provided by both"):
        get_plugin_manager().resolve("agent", "technical")


# -- DeepAlphaEngine ------------------------------------------------------------------------------


def test_engine_adds_symbols_and_agents_over_the_settings(registered) -> None:
    engine = deepalpha.DeepAlphaEngine(Settings.defaults(env="development"))
    assert engine.symbols == ("BTC/USD",) and engine.mode == "paper"
    engine.add_symbol("BTC/USDT")
    engine.add_symbol("ETH/USDT")
    engine.add_symbol("BTC/USDT")
    registered.append(engine.add_agent(CountingAgent, weight=0.5))
    config = engine.config()
    assert config.market.symbols == ("BTC/USDT", "ETH/USDT")
    assert config.agents["counting"].weight == 0.5
    assert config.agents["technical"].enabled  # configured agents keep running
    for bad in ("", " BTC/USDT", None):
        with pytest.raises(ValueError, match="add_symbol: symbol"):
            engine.add_symbol(bad)


def test_engine_mode_follows_the_settings() -> None:
    assert deepalpha.DeepAlphaEngine(Settings.defaults(env="backtest")).mode == "backtest"
    live = attrs.evolve(Settings.defaults(), live=attrs.evolve(Config().live, enabled=True))
    assert deepalpha.DeepAlphaEngine(live).mode == "live"
    assert deepalpha.DeepAlphaEngine(Settings.defaults(), mode="backtest").mode == "backtest"
    with pytest.raises(ValueError, match="mode must be one of backtest, paper, live, got 'demo'"):
        deepalpha.DeepAlphaEngine(mode="demo")
    with pytest.raises(TypeError, match=r"load them with Settings\.from_file"):
        deepalpha.DeepAlphaEngine({"market": {}})


def test_import_deepalpha_stays_cheap() -> None:
    code = (
        "import sys, deepalpha; "
        "heavy = ('numpy', 'deepalpha.app', 'deepalpha.engine'); "
        "print(sorted(m for m in heavy if m in sys.modules)); "
        "from deepalpha import DeepAlphaEngine; from deepalpha.app import DeepAlphaEngine as E; "
        "print(DeepAlphaEngine is E)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]


def test_deepalpha_rust_ships_in_the_kernel_distribution() -> None:
    """maturin packs ``python-packages`` beside the extension: a wheel of deepalpha-kernel holds
    ``deepalpha_rust``, and an installed kernel (editable or not) has it beside its package."""
    import tomllib
    from pathlib import Path

    import deepalpha_kernel
    import deepalpha_rust

    kernel_root = Path(__file__).resolve().parents[2] / "rust-kernel"
    maturin = tomllib.loads((kernel_root / "pyproject.toml").read_text())["tool"]["maturin"]
    assert "deepalpha_rust" in maturin["python-packages"]
    assert (kernel_root / maturin["python-source"] / "deepalpha_rust" / "__init__.py").is_file()
    installed = Path(deepalpha_rust.__file__).resolve().parent.parent
    assert installed == Path(deepalpha_kernel.__file__).resolve().parent.parent
