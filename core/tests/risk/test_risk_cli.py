"""``deepalpha halt`` / ``resume-trading`` / ``risk status`` / ``risk report`` through the CLI."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from click.testing import CliRunner
from deepalpha.cli.main import build_cli
from deepalpha.domain import Fill, Order, OrderStatus, OrderType, Position, Side
from deepalpha.risk_state import StateFile, TradingState, current, filter_intent

H = 3_600_000


def _cli(*args: str):
    return CliRunner().invoke(build_cli(with_plugin_commands=False), list(args))


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPALPHA_STATE_DIR", raising=False)
    path = tmp_path / "c.yaml"
    path.write_text(f"app: {{name: Desk}}\nstorage: {{url: 'sqlite:///{tmp_path}/db/d.db'}}\n")
    return str(path)


def test_halt_and_resume_round_trip(config, tmp_path):
    from deepalpha.domain import OrderIntent

    where = tmp_path / "db"
    reader = StateFile(where)  # a running engine's reader, made before the halt
    result = _cli("halt", "--config", config, "--mode", "paper", "--reason", "bad fills")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("paper:Desk HALTED since ")
    assert "(bad fills)" in result.output
    assert reader.current("paper:Desk").state is TradingState.HALTED
    assert reader.current("live:Desk").state is TradingState.ACTIVE  # --mode paper only
    entry = OrderIntent("BTC/USD", Side.BUY, 0, Decimal(1))
    ok, reason = filter_intent(reader.current("paper:Desk"), entry, Position("BTC/USD"))
    assert not ok and "HALTED (bad fills)" in reason

    status = _cli("risk", "status", "--config", config, "--json")
    assert json.loads(status.output)["paper:Desk"]["state"] == "HALTED"

    assert _cli("halt", "--config", config, "--reducing").exit_code == 0
    assert reader.current("live:Desk").state is TradingState.REDUCING
    assert current("paper:Desk", where).state is TradingState.REDUCING

    resumed = _cli("resume-trading", "--config", config)
    assert resumed.exit_code == 0 and resumed.output == "paper:Desk ACTIVE\nlive:Desk ACTIVE\n"
    assert reader.current("paper:Desk").state is TradingState.ACTIVE
    assert "paper:Desk ACTIVE" in _cli("risk", "status", "--config", config).output


def test_halt_a_named_book_in_a_given_directory(tmp_path):
    result = _cli("halt", "--book", "live:Other", "--state-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert StateFile(tmp_path).current("live:Other").state is TradingState.HALTED


def test_risk_report_on_the_bundled_data(config):
    result = _cli("risk", "report", "--config", config, "--json", "--simulations", "1000")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [v["method"] for v in data["var"]] == ["historical", "parametric", "monte_carlo"]
    assert all(v["var"] > 0 and v["cvar"] >= v["var"] * 0.9 for v in data["var"])
    assert sorted({s["days"] for s in data["stress"]}) == [1, 7, 30]
    assert all(s["pnl"] < 0 for s in data["stress"])  # long only, replaying falls
    assert "hypothetical portfolio" in data["notes"][0]


def test_risk_report_of_a_run(config, tmp_path):
    from deepalpha.storage import Store

    url = f"sqlite:///{tmp_path}/db/d.db"
    (tmp_path / "db").mkdir(exist_ok=True)
    store = Store.open(url)
    run_id = store.start_run("backtest", {"market": {"timeframe": "1h"}}, ["BTC/USD"])
    start = 1_546_300_800_000  # 2019-01-01, inside the bundled BTC/USD data
    rng = np.random.default_rng(0)
    equity = 10_000 * np.cumprod(1 + rng.normal(0, 0.003, 24 * 40))
    store.record_equity(run_id, [(start + i * H, float(e), 5_000.0) for i, e in enumerate(equity)])
    journal = store.journal(run_id)
    order = Order("o1", "BTC/USD", Side.BUY, OrderType.MARKET, Decimal("0.5"), start)
    journal.record_order(order)
    journal.record_order(order.transition(OrderStatus.FILLED, filled_quantity=Decimal("0.5")))
    fill = Fill("f1", "o1", "BTC/USD", Side.BUY, Decimal("0.5"), Decimal(3_700), Decimal(0), start)
    journal.record_fill(fill, Position("BTC/USD", Decimal("0.5"), Decimal(3_700)))
    journal.flush()
    store.close()

    result = _cli("risk", "report", "--config", config, "--run", run_id[:8], "--horizon", "2")
    assert result.exit_code == 0, result.output
    assert f"Risk report: run {run_id[:8]}" in result.output
    assert "Positions (value): BTC/USD" in result.output
    assert "2-day horizon" in result.output
    bad = _cli("risk", "report", "--config", config, "--run", "zzzz")
    assert bad.exit_code == 2 and "--run zzzz: no run with that id" in bad.output
