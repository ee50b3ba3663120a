"""The two engines of the paper gateway give the same results, fill by fill.

The same random session (bars and orders over two symbols, cancels, a restart from the journal in
the middle) runs on a gateway with ``engine: python`` and one with ``engine: rust``. Every value
either returns (orders, fills, portfolios, open orders) and every journal record, in order,
must be equal, and print the same (``repr``: the same ``Decimal`` digits, trailing zeros
included, as storage keeps them as text), every reason the same text. Prices are
drawn both on the cent grid and as arbitrary floats off the venue's tick, so rounding against
the trader is exercised; the options vary the tick, the fee tick, maker fees, slippage, shorting
and fills on touch.
"""

from __future__ import annotations

from decimal import Decimal

from deepalpha.domain import Bar, Fill, Order, OrderIntent, OrderType, Position, Side
from deepalpha_gateway_paper import PaperGateway, PaperOptions
from hypothesis import event, given, settings
from hypothesis import strategies as st

SYMBOLS = ("BTC/USD", "ETH/USD")
HOUR = 3_600_000


class Journal:
    """Records every write as text, and keeps the stored state for a restart."""

    def __init__(self) -> None:
        self.log: list[object] = []
        self.orders: dict[str, Order] = {}
        self.fills: list[Fill] = []

    def record_order(self, order: Order) -> None:
        self.log.append(order)
        self.orders[order.id] = order

    def record_execution(self, fill: Fill, position: Position, order: Order) -> None:
        self.log.append((fill, position, order))
        self.fills.append(fill)
        self.orders[order.id] = order


cents = st.integers(min_value=5_000, max_value=15_000).map(lambda c: c / 100)
#: Floats with many digits: their shortest text is off a 0.01 (and often a 1e-8) grid.
noisy = st.floats(min_value=50.0, max_value=150.0, allow_nan=False, allow_infinity=False)


@st.composite
def bars(draw, price):
    open_, close = draw(price), draw(price)
    high = max(open_, close) + draw(st.integers(0, 2_000)) / 100
    low = max(0.01, min(open_, close) - draw(st.integers(0, 2_000)) / 100)
    return ("bar", draw(st.sampled_from(SYMBOLS)), open_, high, low, close)


@st.composite
def orders(draw, price):
    limit = draw(st.none() | price)
    return (
        "order",
        draw(st.sampled_from(SYMBOLS)),
        draw(st.sampled_from([Side.BUY, Side.BUY, Side.SELL])),
        draw(st.decimals(min_value="0.001", max_value="4", places=4)),
        None if limit is None else Decimal(repr(limit)),
        draw(st.integers(0, 3)) == 0,  # reduce_only
        draw(st.integers(0, 4)) == 0,  # stamped with the next bar's time
    )


@st.composite
def sessions(draw):
    price = draw(st.sampled_from([cents, noisy]))
    step = st.one_of(
        bars(price),
        bars(price),
        orders(price),
        orders(price),
        st.tuples(st.just("cancel"), st.integers(1, 30)),
        st.just(("restart",)),
    )
    return draw(st.lists(step, min_size=15, max_size=80))


options = st.fixed_dictionaries(
    {
        "initial_cash": st.sampled_from([1000, 5000, "2500.5"]),
        "fee_rate": st.sampled_from(["0", "0.001", "0.00075", "0.0025"]),
        "maker_fee_rate": st.sampled_from([None, "0", "0.0002"]),
        "slippage_bps": st.sampled_from([0, 5, "2.5", 30]),
        "allow_short": st.booleans(),
        "quantity_step": st.sampled_from(["0.00000001", "0.001"]),
        "min_quantity": st.sampled_from([0, "0.002"]),
        "price_tick": st.sampled_from(["0.00000001", "0.01", "0.5"]),
        "fee_tick": st.sampled_from(["0.00000001", "0.01"]),
        "fill_limit_on_touch": st.booleans(),
    }
)


def restarted(gw: PaperGateway, journal: Journal, engine: str) -> PaperGateway:
    """A new gateway rebuilt from what ``journal`` stored, as a resumed run builds it."""
    fresh = PaperGateway(attrs_evolve(gw.options, engine))
    fresh.start(journal)
    fresh.restore(journal.orders.values(), journal.fills, dict(gw._last_close))
    fresh._last_ts = dict(gw._last_ts)
    assert fresh.reconcile(journal.orders.values(), journal.fills, dict(gw._last_close)) == []
    return fresh


def attrs_evolve(opts: PaperOptions, engine: str) -> PaperOptions:
    import attrs

    return attrs.evolve(opts, engine=engine)


@settings(max_examples=400, deadline=None)
@given(session=sessions(), opts=options)
def test_python_and_rust_engines_agree_fill_by_fill(session, opts):
    journals = {"python": Journal(), "rust": Journal()}
    gws = {}
    for engine, journal in journals.items():
        gws[engine] = PaperGateway(PaperOptions(engine=engine, **opts))
        gws[engine].start(journal)
    clock = 1

    def both(method, *args):
        out = {}
        for engine, gw in gws.items():
            try:
                out[engine] = ("ok", method(gw, *args))
            except Exception as exc:  # the same refusal must be raised by both
                out[engine] = ("raised", f"{type(exc).__name__}: {exc}")
        assert out["python"] == out["rust"]
        assert repr(out["python"]) == repr(out["rust"])  # the same digits, trailing zeros too
        return out["python"]

    for symbol in SYMBOLS:
        both(PaperGateway.on_bar, Bar(symbol, clock * HOUR, 100.0, 100.0, 100.0, 100.0, 1.0))
    fills = 0
    for step in session:
        if step[0] == "bar":
            _, symbol, o, h, lo, c = step
            clock += 1
            result = both(PaperGateway.on_bar, Bar(symbol, clock * HOUR, o, h, lo, c, 1.0))
            fills += len(result[1])
        elif step[0] == "order":
            _, symbol, side, qty, limit, reduce_only, ahead = step
            ts = (clock + 1 if ahead else clock) * HOUR
            kind = OrderType.LIMIT if limit is not None else OrderType.MARKET
            intent = OrderIntent(symbol, side, ts, qty, kind, limit, reduce_only)
            both(PaperGateway.submit, intent)
        elif step[0] == "cancel":
            both(PaperGateway.cancel, f"paper-{step[1]}")
        else:
            gws = {e: restarted(gw, journals[e], e) for e, gw in gws.items()}
        both(lambda gw: (gw.portfolio(), gw.open_orders(), gw._order_seq, gw._fill_seq))
        assert journals["python"].log == journals["rust"].log
        assert repr(journals["python"].log) == repr(journals["rust"].log)
    event(f"fills: {min(fills, 5)}+")
    rust = gws["rust"]
    balance = rust._rust.balances()[rust.options.quote]
    assert balance["total"] == rust.portfolio().cash  # the engine's own ledger agrees
    assert balance["fees"] == rust.portfolio().fees_paid


# -- the whole pipeline ------------------------------------------------------------------------

N_BARS = 3_000


def _bundled_csvs(folder) -> None:
    """Two symbols on one clock from the bundled BTC/USD hours (two different stretches)."""
    from datetime import UTC, datetime

    from deepalpha.plugins import get_plugin_manager

    spec = get_plugin_manager().resolve("data", "file")
    series = spec.build(spec.options(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    cols = {k: list(getattr(series, k)) for k in ("ts", "open", "high", "low", "close", "volume")}
    for name, lo in (("BTC_USD", 0), ("XYZ_USD", 9_000)):
        lines = ["timestamp,open,high,low,close,volume"]
        for i in range(N_BARS):
            when = datetime.fromtimestamp(int(cols["ts"][i]) / 1000, UTC)
            row = [repr(float(cols[k][lo + i])) for k in ("open", "high", "low", "close", "volume")]
            lines.append(",".join([when.strftime("%Y-%m-%dT%H:%M:%S"), *row]))
        (folder / f"{name}-1h.csv").write_text("\n".join(lines) + "\n")


def test_a_backtest_gives_the_same_orders_fills_and_equity_on_both_engines(tmp_path) -> None:
    from deepalpha.config import load_config
    from deepalpha.engine.runner import run
    from deepalpha.storage import Store

    _bundled_csvs(tmp_path)
    outcome = {}
    for engine in ("python", "rust"):
        folder = tmp_path / engine
        folder.mkdir()
        cfg = load_config(
            overrides={
                "storage": {"url": f"sqlite:///{folder}/t.db"},
                "market": {
                    "symbols": ["BTC/USD", "XYZ/USD"],
                    "options": {"path": None, "datadir": str(tmp_path)},
                },
                "agents": {"technical": {"enabled": True, "weight": 1.0}},
                "decision": {"llm": {"providers": []}, "min_confidence": 0.0},
                "gateway": {"name": "paper", "options": {"engine": engine}},
                "app": {"report_dir": str(folder / "reports")},
            }
        )
        result = run(cfg, "backtest", report=False)
        with Store.open(f"sqlite:///{folder}/t.db") as store:
            fills = [attrs_evolve_run(f) for f in store.fills(result.run_id)]
            orders = [attrs_evolve_run(o) for o in store.orders(result.run_id)]
        outcome[engine] = (fills, orders, list(result.equity), result.stats)
    python, rust = outcome["python"], outcome["rust"]
    assert len(python[0]) > 20, "the backtest should trade"
    assert {f.symbol for f in python[0]} == {"BTC/USD", "XYZ/USD"}
    assert rust[0] == python[0]  # every fill: price, quantity, fee, ts, ids
    assert repr(rust[0]) == repr(python[0])  # as stored: the same digits
    assert rust[1] == python[1]  # every order's final state and reason
    assert rust[2] == python[2]  # the equity curve, bar by bar
    assert rust[3] == python[3]


def attrs_evolve_run(record):
    """A stored record without the run it belongs to (the two runs have different ids)."""
    import attrs

    fields = attrs.fields_dict(type(record))
    return attrs.evolve(record, run_id="") if "run_id" in fields else record


def test_bars_at_zero_or_below_cancel_the_same_way_on_both_engines() -> None:
    """Bad data (a price <= 0) is not refused by the venue: fills there are cancelled, alike."""
    seen = {}
    for engine in ("python", "rust"):
        journal = Journal()
        gw = PaperGateway(PaperOptions(engine=engine, allow_short=True))
        gw.start(journal)
        gw.on_bar(Bar("BTC/USD", HOUR, 100.0, 100.0, 100.0, 100.0, 1.0))
        gw.submit(OrderIntent("BTC/USD", Side.BUY, HOUR, Decimal(1)))
        gw.submit(OrderIntent("BTC/USD", Side.SELL, HOUR, Decimal(1)))
        gw.on_bar(Bar("BTC/USD", 2 * HOUR, 0.0, 1.0, -1.5, 0.0, 1.0))
        gw.submit(OrderIntent("BTC/USD", Side.BUY, 2 * HOUR, Decimal(1)))  # priced at close 0
        gw.on_bar(Bar("BTC/USD", 3 * HOUR, -2.0, 1.0, -3.0, 1.0, 1.0))
        seen[engine] = journal.log
    assert [o.reason for o in seen["python"] if isinstance(o, Order)][-1] == (
        "fill price -2.001 is not positive"  # -2 x (1 + 5 bp)
    )
    assert seen["rust"] == seen["python"]
    assert repr(seen["rust"]) == repr(seen["python"])
