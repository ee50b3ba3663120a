"""``deepalpha run`` killed with SIGKILL 20 times, restarted each time, ends as if never killed.

A real ``deepalpha run`` process (paper, replayed feed at speed 0, two symbols of real bundled
candles on one clock, the technical agent, no LLM) is killed at random moments: at named points
inside the storage code (``DEEPALPHA_TEST_KILL_AT``: inside the transaction that books a fill,
right after a fill, an order state, a batch of decisions or of equity rows is committed) and by
this test after a random delay. After every kill the database is checked on its own terms (each
fill's order shows it, positions are the sum of the fills, nothing stored before is gone or
doubled), and the run is started again. The last start runs to the end; its fills, orders,
decisions, equity series and summary must equal those of an uninterrupted run on the same data.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from deepalpha.plugins import get_plugin_manager
from deepalpha.storage import Store

N = 1_500  # bars per symbol
KILLS = 20
DEEPALPHA = str(Path(sys.executable).with_name("deepalpha"))
POINTS = (
    "mid_fill_write",  # the fill is inserted, its order's FILLED state not yet: must roll back
    "after_fill_write",
    "after_order_write",
    "after_decision_write",
    "after_equity_write",
    "signal",  # SIGKILL from outside, at a random moment
)


@pytest.fixture(scope="module")
def datadir(tmp_path_factory) -> Path:
    spec = get_plugin_manager().resolve("data", "file")
    series = spec.build(spec.options(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    folder = tmp_path_factory.mktemp("candles")
    # Two symbols on one clock: the bundled hours and a later stretch of them.
    for name, lo in (("BTC_USD", 0), ("XYZ_USD", 9_000)):
        lines = ["timestamp,open,high,low,close,volume"]
        for i in range(N):
            when = datetime.fromtimestamp(int(series.ts[i]) / 1000, UTC)
            cols = ("open", "high", "low", "close", "volume")
            row = [repr(float(getattr(series, c)[lo + i])) for c in cols]
            lines.append(",".join([when.strftime("%Y-%m-%dT%H:%M:%S"), *row]))
        (folder / f"{name}-1h.csv").write_text("\n".join(lines) + "\n")
    return folder


def _config(folder: Path, datadir: Path) -> Path:
    path = folder / "deepalpha.yaml"
    path.write_text(
        f"""
app: {{name: crash, report_dir: "{folder / "reports"}"}}
storage: {{url: "sqlite:///{folder / "run.db"}"}}
market:
  symbols: [BTC/USD, XYZ/USD]
  options: {{path: null, datadir: "{datadir}"}}
agents:
  technical: {{enabled: true, weight: 1.0}}
  pattern: {{enabled: false}}
  trend: {{enabled: false}}
  risk: {{enabled: false}}
  news: {{enabled: false}}
decision: {{min_confidence: 0.0}}
risk:
  sizing: {{options: {{fraction: 0.2}}}}
  exposure: {{options: {{max_fraction: 0.5}}}}
paper: {{start: null, speed: 0, view: false}}
"""
    )
    return path


def _start(config: Path, kill_at: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPALPHA_")}
    if kill_at:
        env["DEEPALPHA_TEST_KILL_AT"] = kill_at
    return subprocess.Popen(
        [DEEPALPHA, "run", "--config", str(config), "--no-llm", "--json", "--no-view"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _snapshot(url: str) -> dict:
    """Everything stored about the book's one run, read back through the store."""
    with Store.open(url) as store:
        runs = store.runs(limit=50)
        if not runs:
            return {"runs": []}
        run_id = runs[0].id
        return {
            "runs": [(r.id, r.status) for r in runs],
            "fills": store.fills(run_id),
            "orders": store.orders(run_id),
            "events": store.order_events(run_id),
            "positions": store.positions(run_id),
            "decisions": [(d.symbol, d.ts, d.action.value) for d in store.decisions(run_id)],
            "equity": store.equity(run_id),
            "run_events": [(e.kind, e.details) for e in store.run_events(run_id)],
            "summary": store.run(run_id).summary,
        }


def _check_consistent(snap: dict) -> None:
    fills, orders = snap["fills"], {o.id: o for o in snap["orders"]}
    assert len({f.id for f in fills}) == len(fills), "a fill stored twice"
    filled: dict[str, Decimal] = defaultdict(Decimal)
    net: dict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        filled[f.order_id] += f.quantity
        net[f.symbol] += f.quantity if f.side.value == "buy" else -f.quantity
    for order_id, quantity in filled.items():
        order = orders[order_id]
        assert order.status.value in ("filled", "partially_filled"), (
            f"fill without its order's state: {order_id} is {order.status.value}"
        )
        assert order.filled_quantity == quantity, f"{order_id} shows {order.filled_quantity}"
    for order in orders.values():
        if order.id not in filled:
            assert order.filled_quantity == 0 and order.status.value != "filled", order
    held = {p.symbol: p.quantity for p in snap["positions"]}
    for symbol in set(held) | set(net):
        assert held.get(symbol, Decimal(0)) == net.get(symbol, Decimal(0)), (
            f"{symbol}: position {held.get(symbol)} but fills add up to {net.get(symbol)}"
        )
    ts = snap["equity"][0]
    assert all(a < b for a, b in itertools.pairwise(ts)), "equity rows repeated"
    assert len(set(snap["decisions"])) == len(snap["decisions"]), "a decision stored twice"
    # Every order's states follow one another (no state lost or written twice out of order).
    seen: dict[str, list[str]] = defaultdict(list)
    for event in snap["events"]:
        seen[event.order_id].append(event.status.value)
    for order_id, states in seen.items():
        assert states[0] in ("new", "rejected"), (order_id, states)
        assert len(states) == len(set(states)), (order_id, states)
        assert states[-1] == orders[order_id].status.value


def _kept(before: dict, after: dict) -> None:
    """Nothing stored before a restart is gone or changed afterwards."""
    if not before.get("runs"):
        return
    assert after["fills"][: len(before["fills"])] == before["fills"]
    assert after["events"][: len(before["events"])] == before["events"]
    assert after["decisions"][: len(before["decisions"])] == before["decisions"]
    n = len(before["equity"][0])
    assert list(after["equity"][0][:n]) == list(before["equity"][0])
    assert list(after["equity"][1][:n]) == list(before["equity"][1])


def test_twenty_kills_lose_nothing_and_end_as_an_uninterrupted_run(tmp_path, datadir) -> None:
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    ref_cfg = _config(reference_dir, datadir)
    ref = _start(ref_cfg, None)
    out, err = ref.communicate(timeout=120)
    assert ref.returncode == 0, err
    reference = json.loads(out)
    expected = _snapshot(f"sqlite:///{reference_dir / 'run.db'}")
    assert len(expected["fills"]) > 2 * KILLS, "too few fills to spread the kills over"
    assert {f.symbol for f in expected["fills"]} == {"BTC/USD", "XYZ/USD"}

    books = 0

    def new_book():
        nonlocal books
        books += 1
        crash_dir = tmp_path / f"crash{books}"
        crash_dir.mkdir()
        return _config(crash_dir, datadir), f"sqlite:///{crash_dir / 'run.db'}"

    cfg, url = new_book()
    rng = random.Random(9)
    before: dict = {}
    kills = in_book = 0
    attempts = 0
    while kills < KILLS:
        attempts += 1
        assert attempts < 3 * KILLS, "the run keeps finishing before it can be killed"
        point = rng.choice(POINTS)
        if point == "signal":
            proc = _start(cfg, None)
            time.sleep(rng.uniform(0.3, 1.4))
            proc.send_signal(signal.SIGKILL)
        else:
            proc = _start(cfg, f"{point}:1")
        out, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            # Killed too late: the resumed run reached its end (how far earlier kills got
            # depends on the machine's speed). It must have ended as an uninterrupted run;
            # the remaining kills go to a fresh book.
            _like_reference(json.loads(out), _snapshot(url), before, expected, reference, in_book)
            cfg, url = new_book()
            before, in_book = {}, 0
            continue
        assert proc.returncode == -signal.SIGKILL, err
        kills += 1
        in_book += 1
        after = _snapshot(url)
        if after.get("runs"):
            assert len(after["runs"]) == 1, "a restart started a new run instead of resuming"
            assert after["runs"][0][1] == "running"
            _check_consistent(after)
            _kept(before, after)
            before = after

    final = _start(cfg, None)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    _like_reference(json.loads(out), _snapshot(url), before, expected, reference, in_book)


def _like_reference(result, got, before, expected, reference, kills) -> None:
    """A resumed run that ended: consistent, nothing stored lost, equal to the reference."""
    _check_consistent(got)
    _kept(before, got)
    assert got["runs"] == [(result["run_id"], "finished")]
    kinds = [kind for kind, _ in got["run_events"]]
    assert kinds[0] == "start" and kinds.count("start") == 1
    if before.get("runs"):  # a killed run was stored: this one resumed it
        assert result["resumed"] is not None
        # A start killed while it replayed never reached its reconciliation: it has none.
        assert 1 <= kinds.count("reconciled") <= kinds.count("resumed") <= kills
    for kind, details in got["run_events"]:
        if kind == "reconciled":  # the replay reproduced what was stored, every time
            assert details["diverged"] is None and details["differences"] == [], details

    # The same run as if it had never been killed.
    assert got["fills"] == expected["fills"]
    assert [(o.id, o.status, o.filled_quantity, o.average_price) for o in got["orders"]] == [
        (o.id, o.status, o.filled_quantity, o.average_price) for o in expected["orders"]
    ]
    assert got["positions"] == expected["positions"]
    assert got["decisions"] == expected["decisions"]
    assert list(got["equity"][0]) == list(expected["equity"][0])
    assert list(got["equity"][1]) == list(expected["equity"][1])
    assert result["summary"] == reference["summary"]
    assert result["symbols"] == reference["symbols"]
    for key in ("orders", "fills", "rejections", "cancellations", "decisions"):
        assert result["stats"][key] == reference["stats"][key], key
    assert result["bars"] == reference["bars"] == 2 * N
