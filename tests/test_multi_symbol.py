"""Runs over several symbols: each symbol trades as if it ran alone, and nothing leaks across.

The data are real: the bundled BTC/USD hours, cut into two stretches laid on the same timestamps, so
the two symbols move differently (as two markets do) on one clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from deepalpha.agents import Agent
from deepalpha.config import load_config
from deepalpha.domain import Direction, Signal
from deepalpha.engine.runner import run
from deepalpha.plugins import get_plugin_manager
from deepalpha.storage import Store

N = 4_000
SYMBOLS = ("BTC/USD", "XYZ/USD")


def _bundled() -> dict[str, np.ndarray]:
    spec = get_plugin_manager().resolve("data", "file")
    source = spec.build(spec.options(path="bundled:btcusd-1h"))
    series = source.fetch("BTC/USD", "1h")
    return {
        k: np.asarray(getattr(series, k)) for k in ("ts", "open", "high", "low", "close", "volume")
    }


def _write(path, ts, cols, lo: int) -> None:
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(N):
        when = datetime.fromtimestamp(int(ts[i]) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        row = [repr(float(cols[k][lo + i])) for k in ("open", "high", "low", "close", "volume")]
        lines.append(",".join([when, *row]))
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def datadir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("candles")
    cols = _bundled()
    ts = cols["ts"][:N]
    _write(folder / "BTC_USD-1h.csv", ts, cols, 0)
    _write(folder / "XYZ_USD-1h.csv", ts, cols, 9_000)  # a later stretch on the same clock
    return folder


def _config(tmp_path, datadir, symbols, **over):
    overrides = {
        "storage": {"url": f"sqlite:///{tmp_path}/t.db"},
        "market": {
            "symbols": list(symbols),
            "options": {"path": None, "datadir": str(datadir)},
        },
        "agents": {"technical": {"enabled": True, "weight": 1.0}},
        "decision": {"llm": {"providers": []}, "min_confidence": 0.0},
        # Sizing against the initial cash makes each symbol's sizes independent of the other's P&L.
        "risk": {"sizing": {"options": {"fraction": 0.05, "basis": "initial"}}},
        "app": {"report_dir": str(tmp_path / "reports")},
    }
    for key, value in over.items():
        overrides[key] = value
    cfg = load_config(overrides=overrides)
    # Only the sizing rule: the other default rules depend on the whole account's equity.
    return cfg


def _fills(tmp_path, result):
    with Store.open(f"sqlite:///{tmp_path}/t.db") as store:
        fills = store.fills(result.run_id)
    out: dict[str, list[tuple]] = {}
    for f in fills:
        out.setdefault(f.symbol, []).append((f.ts, f.side.value, f.quantity, f.price, f.fee))
    return out


def _only_sizing(cfg):
    import attrs

    return attrs.evolve(cfg, risk={"sizing": cfg.risk["sizing"]})


def test_each_symbol_trades_exactly_as_when_it_runs_alone(tmp_path, datadir) -> None:
    together_dir = tmp_path / "together"
    together_dir.mkdir()
    together = run(_only_sizing(_config(together_dir, datadir, SYMBOLS)), "backtest", report=False)
    both = _fills(together_dir, together)
    assert set(both) == set(SYMBOLS), "both symbols should trade"
    for symbol in SYMBOLS:
        alone_dir = tmp_path / symbol.replace("/", "_")
        alone_dir.mkdir()
        alone = run(_only_sizing(_config(alone_dir, datadir, [symbol])), "backtest", report=False)
        solo = _fills(alone_dir, alone)[symbol]
        assert len(solo) > 10
        assert both[symbol] == solo, f"{symbol} traded differently beside another symbol"


class _Recorder(Agent):
    """Remembers every close it was shown; fails if it ever sees another symbol's bar."""

    instances: list[_Recorder] = []

    def __init__(self) -> None:
        self.symbol: str | None = None
        self.closes: list[float] = []
        _Recorder.instances.append(self)

    def on_bar(self, bar, history):
        if self.symbol is None:
            self.symbol = bar.symbol
        assert bar.symbol == self.symbol == history.symbol, "an agent saw two symbols"
        assert history.close[-1] == bar.close
        self.closes.append(bar.close)
        return Signal.hold()


def test_every_symbol_gets_its_own_agent_instance(tmp_path, datadir) -> None:
    import types

    from deepalpha import hookimpl
    from deepalpha.plugins import load_plugins
    from deepalpha.records import AgentSpec

    plugin = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="recorder", factory=_Recorder)])
    )
    plugins = load_plugins(extra=[("recorder", plugin)], allow=None)
    _Recorder.instances.clear()
    cfg = _config(tmp_path, datadir, SYMBOLS, agents={"recorder": {"weight": 1.0}})
    cfg = attrs_evolve_agents(cfg, {"technical": False})
    result = run(cfg, "backtest", plugins=plugins, report=False)
    assert result.bars == 2 * N
    used = [a for a in _Recorder.instances if a.symbol is not None]
    assert sorted(a.symbol for a in used) == sorted(SYMBOLS)
    cols = _bundled()
    by_symbol = {a.symbol: np.array(a.closes) for a in used}
    np.testing.assert_array_equal(by_symbol["BTC/USD"], cols["close"][:N])
    np.testing.assert_array_equal(by_symbol["XYZ/USD"], cols["close"][9_000 : 9_000 + N])


def attrs_evolve_agents(cfg, enabled: dict[str, bool]):
    import attrs

    agents = dict(cfg.agents)
    for name, on in enabled.items():
        if name in agents:
            agents[name] = attrs.evolve(agents[name], enabled=on)
    return attrs.evolve(cfg, agents=agents)


def test_a_factory_returning_one_shared_agent_is_refused(tmp_path, datadir) -> None:
    import types

    from deepalpha import hookimpl
    from deepalpha.plugins import load_plugins
    from deepalpha.records import AgentSpec

    shared = _Recorder()
    plugin = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="shared", factory=lambda: shared)])
    )
    plugins = load_plugins(extra=[("shared", plugin)], allow=None)
    cfg = attrs_evolve_agents(
        _config(tmp_path, datadir, SYMBOLS, agents={"shared": {"weight": 1.0}}),
        {"technical": False},
    )
    with pytest.raises(TypeError, match="one instance per symbol"):
        run(cfg, "backtest", plugins=plugins, report=False)


def test_long_short_policy_opens_shorts_and_long_only_does_not(tmp_path, datadir) -> None:
    class Flipper(Agent):
        def __init__(self) -> None:
            self.n = 0

        def reset(self) -> None:
            self.n = 0

        def on_bar(self, bar, history):
            self.n += 1
            direction = Direction.LONG if (self.n // 50) % 2 else Direction.SHORT
            return Signal("", "", 0, direction, 1.0, 1.0, "flip")

    import types

    from deepalpha import hookimpl
    from deepalpha.plugins import load_plugins
    from deepalpha.records import AgentSpec

    plugin = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="flip", factory=Flipper)])
    )
    plugins = load_plugins(extra=[("flip", plugin)], allow=None)
    results = {}
    for direction in ("long_only", "long_short"):
        where = tmp_path / direction
        where.mkdir()
        cfg = attrs_evolve_agents(
            _config(
                where,
                datadir,
                SYMBOLS,
                agents={"flip": {"weight": 1.0}},
                trading={"direction": direction},
                gateway={"name": "paper", "options": {"allow_short": direction == "long_short"}},
            ),
            {"technical": False},
        )
        res = run(_only_sizing(cfg), "backtest", plugins=plugins, report=False)
        results[direction] = _fills(where, res)
    for symbol in SYMBOLS:
        # Long-only: the first fill of every symbol is a buy, and the position never goes negative.
        for direction, fills in results.items():
            held = 0
            lowest = 0
            for _ts, side, qty, _px, _fee in fills[symbol]:
                held += qty if side == "buy" else -qty
                lowest = min(lowest, held)
            if direction == "long_only":
                assert fills[symbol][0][1] == "buy" and lowest == 0
            else:
                assert fills[symbol][0][1] == "sell" and lowest < 0  # the flipper starts short


def test_the_seed_timeframes_need_bars_they_can_be_built_from(tmp_path) -> None:
    from deepalpha.engine.prepare import prepare
    from deepalpha.errors import ConfigError

    seed = {"technical": {"enabled": True, "timeframes": ["1m", "5m", "15m", "1h"]}}
    base = {
        "storage": {"url": f"sqlite:///{tmp_path}/t.db"},
        "agents": seed,
        "app": {"report_dir": str(tmp_path / "reports")},
    }
    with pytest.raises(ConfigError, match=r"agents\.technical\.timeframes: '1m' cannot be built"):
        prepare(load_config(overrides=base), "backtest")
    minute = load_config(overrides={**base, "market": {"timeframe": "1m"}})
    prepared = prepare(minute, "backtest")
    (technical,) = [wa.agent for wa in prepared.components.agents if wa.name == "technical"]
    assert technical.timeframes == ("1m", "5m", "15m", "1h")
    prepared.close()
