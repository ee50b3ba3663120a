"""The product description's agent examples, run exactly as it prints them.

``tests/seed_snippets/`` holds the README's "Custom Agents" and "Creating Trading Strategies"
blocks verbatim and the ``TechnicalIndicators`` part of "Using Rust Performance Modules" (its
import line narrowed to that name); ``docs/agent_api.md`` shows these files, checked below.
Every run here trades two symbols from CSV files through the real engine.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import re
import runpy
import shutil
import threading
import time
import types
from datetime import UTC, datetime
from pathlib import Path

import attrs
import deepalpha
import numpy as np
import pytest
import talib
from deepalpha import hookimpl
from deepalpha.agents import BaseAgent, unregister_agent
from deepalpha.config import Settings
from deepalpha.data import BarSeries, DataSource
from deepalpha.domain import Bar, Direction, Signal
from deepalpha.history import History, Market
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec, DataSourceSpec
from deepalpha.storage import Store
from deepalpha.testing import check_agent

#: The agents the default configuration enables; tests that bring their own switch them off.
DEFAULT_AGENTS = ("technical", "pattern", "trend", "risk", "news")

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = Path(__file__).parent / "seed_snippets"
EXAMPLES = Path(__file__).parent / "examples"
SYMBOLS = ("BTC/USDT", "ETH/USDT")
HOUR = 3_600_000
N = 400


def _closes(seed: int, n: int = N) -> np.ndarray:
    """A swinging series (a 60-bar cycle plus noise): RSI crosses 30 and 70 many times."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 * np.exp(
        0.08 * np.sin(2 * np.pi * t / 60 + seed) + np.cumsum(rng.normal(0, 0.004, n))
    )


def _bars(
    symbol: str,
    seed: int,
    n: int = N,
    start: int = 1_700_000_000_000 // HOUR * HOUR,
    step: int = HOUR,
) -> list[Bar]:
    close = _closes(seed, n)
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * 1.002
    low = np.minimum(open_, close) * 0.998
    return [
        Bar(symbol, start + i * step, float(o), float(h), float(lo), float(c), 10.0 + i % 7)
        for i, (o, h, lo, c) in enumerate(zip(open_, high, low, close, strict=True))
    ]


def _csv_lines(bars: list[Bar]) -> list[str]:
    lines = []
    for b in bars:
        when = datetime.fromtimestamp(b.ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        lines.append(f"{when},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume!r}")
    return lines


def _write_datadir(
    folder: Path, bars_by_symbol: dict[str, list[Bar]], timeframe: str = "1h"
) -> None:
    """freqtrade-style files (``BTC_USDT-1h.csv``) the ``file`` source finds by symbol."""
    folder.mkdir(parents=True, exist_ok=True)
    for symbol, bars in bars_by_symbol.items():
        name = f"{symbol.replace('/', '_')}-{timeframe}.csv"
        header = "timestamp,open,high,low,close,volume"
        (folder / name).write_text("\n".join([header, *_csv_lines(bars)]) + "\n")


DATA = {"BTC/USDT": _bars("BTC/USDT", 3), "ETH/USDT": _bars("ETH/USDT", 5)}


def _expected_directions(bars: list[Bar]) -> list[Direction]:
    """The README agent's rule computed with TA-Lib over the whole series (RSI and MACD at bar t
    only depend on bars up to t)."""
    close = np.array([b.close for b in bars])
    rsi = talib.RSI(close, 14)
    histogram = talib.MACD(close)[2]
    out = []
    for r, h in zip(rsi, histogram, strict=True):
        if r < 30 and h > 0:
            out.append(Direction.LONG)
        elif r > 70 and h < 0:
            out.append(Direction.SHORT)
        else:
            out.append(Direction.FLAT)
    return out


@pytest.fixture
def custom_agent_class():
    namespace = runpy.run_path(str(SNIPPETS / "custom_agent.py"))
    yield namespace["CustomAgent"]
    unregister_agent("custom")
    unregister_agent("recorded")


def _settings(tmp_path: Path, **agents) -> Settings:
    return Settings.defaults(
        overrides={
            "storage": {"url": f"sqlite:///{tmp_path}/run.db"},
            "market": {
                "symbols": list(SYMBOLS),
                "options": {"datadir": str(tmp_path / "data"), "path": None},
            },
            "agents": {**{n: {"enabled": False} for n in DEFAULT_AGENTS}, **agents},
            "decision": {"llm": {"providers": []}},
            "app": {"report_dir": str(tmp_path / "reports")},
        }
    )


def test_custom_agent_snippet_trades_two_symbols_in_a_backtest(tmp_path, custom_agent_class):
    _write_datadir(tmp_path / "data", DATA)
    seen: dict[str, list[tuple[int, Direction, int]]] = {s: [] for s in SYMBOLS}

    class Recorded(custom_agent_class):
        async def on_bar(self, bar, history):
            signal = await super().on_bar(bar, history)
            seen[bar.symbol].append((bar.ts, signal.direction, id(self)))
            return signal

    deepalpha.register_agent(Recorded, name="recorded")
    engine = deepalpha.DeepAlphaEngine(
        _settings(tmp_path, recorded={}), mode="backtest", report=False
    )
    result = asyncio.run(engine.start())

    assert result is engine.result and result.bars == 2 * N
    for symbol in SYMBOLS:
        directions = [d for _, d, _ in seen[symbol]]
        assert [ts for ts, _, _ in seen[symbol]] == [b.ts for b in DATA[symbol]]
        assert directions == _expected_directions(DATA[symbol])
        assert Direction.LONG in directions and Direction.SHORT in directions
        assert len({instance for _, _, instance in seen[symbol]}) == 1  # one instance per symbol
    assert seen["BTC/USDT"][0][2] != seen["ETH/USDT"][0][2]
    store = Store.open(f"sqlite:///{tmp_path}/run.db")
    try:
        assert {fill.symbol for fill in store.fills(result.run_id)} == set(SYMBOLS)
    finally:
        store.close()


def _run_top_level_await(path: Path) -> dict:
    """Run a snippet written with top-level ``await`` (as in Jupyter or ``python -m asyncio``)
    inside ``asyncio.run``, and return its namespace."""
    code = compile(path.read_text(), str(path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    namespace: dict = {"__name__": "__main__"}

    async def main() -> None:
        result = eval(code, namespace)
        if asyncio.iscoroutine(result):
            await result

    asyncio.run(main())
    return namespace


def test_strategy_snippet_runs_the_engine_with_the_custom_agent(
    tmp_path, monkeypatch, custom_agent_class
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEEPALPHA_ENV", raising=False)
    _write_datadir(tmp_path / "data", DATA)
    (tmp_path / "config").mkdir()
    shutil.copy(SNIPPETS / "config" / "development.yaml", tmp_path / "config")
    deepalpha.register_agent(custom_agent_class, name="custom")

    namespace = _run_top_level_await(SNIPPETS / "strategy.py")

    engine = namespace["engine"]
    result = engine.result
    assert result.mode == "paper" and result.bars == 2 * N
    assert result.report is not None and (tmp_path / result.report).is_file()
    store = Store.open(namespace["settings"].storage.url)
    try:
        run = store.run(result.run_id)
        assert run.symbols == SYMBOLS and run.mode == "paper"
        assert {fill.symbol for fill in store.fills(result.run_id)} == set(SYMBOLS)
    finally:
        store.close()
    assert namespace["settings"].path == "config/development.yaml"


def test_technical_indicators_snippet_prints_and_matches_talib():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(SNIPPETS / "technical_indicators.py"))
    # Seven prices are fewer than any of these indicators needs: no reading yet, said plainly.
    assert out.getvalue() == "SMA20: nan, RSI14: nan\n"
    prices = np.array(namespace["prices"], dtype=float)
    pairs = [
        (namespace["sma_20"], talib.SMA(prices, 20)),
        (namespace["ema_12"], talib.EMA(prices, 12)),
        (namespace["rsi"], talib.RSI(prices, 14)),
        *zip(namespace["macd"].values(), talib.MACD(prices), strict=True),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got.values, want)


def test_custom_agent_snippet_passes_the_agent_contract(custom_agent_class):
    streaming = runpy.run_path(str(EXAMPLES / "streaming_agent.py"))["StreamingCustomAgent"]
    for cls in (custom_agent_class, streaming):
        signals = check_agent(cls, DATA["BTC/USDT"][:150], DATA["ETH/USDT"][:150])
        assert {s.direction for s in signals} == {Direction.FLAT, Direction.LONG, Direction.SHORT}


def test_streaming_example_gives_the_custom_agents_signals(custom_agent_class):
    """docs/agent_api.md's fast version of the README agent agrees with it bar for bar."""
    streaming = runpy.run_path(str(EXAMPLES / "streaming_agent.py"))["StreamingCustomAgent"]
    histories: dict[str, History] = {}
    market = Market(histories)
    agents = {s: (custom_agent_class(), streaming()) for s in SYMBOLS}
    loop = asyncio.new_event_loop()
    try:
        for bar in sorted((b for bars in DATA.values() for b in bars), key=lambda b: b.ts):
            history = histories.setdefault(
                bar.symbol, History(bar.symbol, timeframe="1h", market=market)
            )
            history.append(bar)
            slow, fast = agents[bar.symbol]
            a = loop.run_until_complete(slow.on_bar(bar, history))
            b = loop.run_until_complete(fast.on_bar(bar, history))
            assert (a.direction, a.confidence) == (b.direction, b.confidence), bar
    finally:
        loop.close()


class GrowingSource(DataSource):
    """Candles kept in memory that the test adds to while a live run polls (``fetch`` returns
    ``start <= ts < end``, empty when nothing new has closed)."""

    name = "growing"

    def __init__(self, bars: dict[str, list[Bar]]) -> None:
        self.bars = bars
        self.lock = threading.Lock()

    def add(self, bar: Bar) -> None:
        with self.lock:
            self.bars[bar.symbol].append(bar)

    def fetch(self, symbol, timeframe, start=None, end=None) -> BarSeries:
        with self.lock:
            rows = [
                b
                for b in self.bars[symbol]
                if (start is None or b.ts >= start) and (end is None or b.ts < end)
            ]
        columns = {
            name: [getattr(b, name) for b in rows]
            for name in ("ts", "open", "high", "low", "close", "volume")
        }
        return BarSeries(symbol, timeframe, **columns)


def test_stop_ends_a_live_feed_and_the_result_is_kept(tmp_path):
    """``engine.stop()`` (here from an agent) ends a live, polling paper run at the next bar."""
    minute = 60_000
    now = int(time.time() * 1000) // minute * minute
    start = now - 40 * minute  # 38 closed 1m candles: the run's warm-up
    seeds = dict(zip(SYMBOLS, (3, 5), strict=True))
    source = GrowingSource({s: _bars(s, seeds[s], 38, start, minute) for s in SYMBOLS})
    last = source.bars["BTC/USDT"][-1].ts
    warmed, live_seen, engines = threading.Event(), [], []

    class Watcher(BaseAgent):
        async def analyze(self, symbol, timeframe):
            if self.bar.ts == last:
                warmed.set()
            elif self.bar.ts > last:
                live_seen.append((symbol, self.bar.ts))
                if symbol == "BTC/USDT" and self.bar.ts == last + 2 * minute:
                    engines[0].stop()
            return Signal.hold()

    plugin = types.SimpleNamespace(
        register_data_sources=hookimpl(
            lambda: [DataSourceSpec(name="growing", factory=lambda: source)]
        ),
        register_agents=hookimpl(lambda: [AgentSpec(name="watcher", factory=Watcher)]),
    )
    settings = Settings.defaults(
        overrides={
            "storage": {"url": f"sqlite:///{tmp_path}/live.db"},
            "market": {
                "source": "growing",
                "symbols": list(SYMBOLS),
                "timeframe": "1m",
            },
            "agents": {**{n: {"enabled": False} for n in DEFAULT_AGENTS}, "watcher": {}},
            "decision": {"llm": {"providers": []}},
            "paper": {"feed": "live", "poll_seconds": 0.05, "view": False},
            "app": {"report_dir": str(tmp_path / "reports")},
        }
    )
    settings = attrs.evolve(settings, market=attrs.evolve(settings.market, options={}))
    engine = deepalpha.DeepAlphaEngine(settings, plugins=load_plugins(extra=[("live", plugin)]))
    engines.append(engine)
    assert engine.mode == "paper"

    async def scenario():
        task = asyncio.create_task(engine.start())
        warm = asyncio.create_task(asyncio.to_thread(warmed.wait, 60))
        await asyncio.wait({task, warm}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # the run failed before warming up: show why
        assert await warm, "the run never warmed up"
        assert engine.running
        # Two more candles per symbol close while the feed polls; the agent stops at BTC's second.
        for symbol in SYMBOLS:
            for bar in _bars(symbol, seeds[symbol] + 10, 2, last + minute, minute):
                source.add(bar)
        return await asyncio.wait_for(task, 60)

    result = asyncio.run(scenario())
    assert engine.result is result and not engine.running
    # In time order: BTC and ETH at +1m, then BTC at +2m stops the feed; ETH's +2m is not run.
    assert live_seen == [
        ("BTC/USDT", last + minute),
        ("ETH/USDT", last + minute),
        ("BTC/USDT", last + 2 * minute),
    ]
    assert result.bars == 3


def test_docs_show_the_files_the_tests_run():
    """Every code block in docs/agent_api.md announced with ``<!-- file: path -->`` is that
    file, character for character; every snippet file is shown."""
    doc = (ROOT / "docs" / "agent_api.md").read_text()
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```\n", doc, re.S)
    shown = {path: text for path, text in blocks}
    for path, text in shown.items():
        assert (ROOT / path).read_text() == text, path
    snippets = [*SNIPPETS.rglob("*.py"), *SNIPPETS.rglob("*.yaml"), *EXAMPLES.glob("*.py")]
    files = {str(p.relative_to(ROOT)) for p in snippets}
    assert files <= set(shown)
