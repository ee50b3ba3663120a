"""Trading states: the file, the cached reader, and what an engine may send in each state."""

from __future__ import annotations

import json
import os
from decimal import Decimal

import pytest
from deepalpha.domain import Order, OrderIntent, OrderStatus, OrderType, Position, Side
from deepalpha.risk_state import (
    FILE_NAME,
    BookState,
    StateFile,
    TradingState,
    current,
    filter_intent,
    is_reducing,
    orders_to_cancel,
    set_state,
    state_dir,
)
from hypothesis import given, settings
from hypothesis import strategies as st

BTC, ETH = "BTC/USDT", "ETH/USDT"
BOOK = "paper:DeepAlpha"


def intent(symbol, side, quantity, reduce_only=False):
    q = None if quantity is None else Decimal(quantity)
    return OrderIntent(symbol, side, 0, q, reduce_only=reduce_only)


def order(oid, symbol, side, quantity, status=OrderStatus.OPEN, filled="0", reduce_only=False):
    return Order(
        oid, symbol, side, OrderType.LIMIT, Decimal(quantity), 0, status, Decimal(100),
        Decimal(filled), reduce_only=reduce_only,
    )  # fmt: skip


def test_a_book_without_an_entry_is_active(tmp_path):
    assert StateFile(tmp_path).current(BOOK) == BookState()
    assert current(BOOK, tmp_path).state is TradingState.ACTIVE


def test_set_and_read_back(tmp_path):
    set_state(tmp_path, [BOOK], "halted", reason="fat finger", by="test", now_ms=1_000)
    reader = StateFile(tmp_path)
    assert reader.current(BOOK) == BookState(TradingState.HALTED, "fat finger", 1_000, "test")
    assert reader.current("live:DeepAlpha").state is TradingState.ACTIVE  # other books untouched
    data = json.loads((tmp_path / FILE_NAME).read_text())
    assert data == {
        "books": {BOOK: {"state": "HALTED", "reason": "fat finger", "since": 1000, "by": "test"}}
    }
    set_state(tmp_path, [BOOK], TradingState.ACTIVE)
    assert reader.current(BOOK).state is TradingState.ACTIVE
    assert json.loads((tmp_path / FILE_NAME).read_text()) == {"books": {}}


def test_the_reader_sees_another_writer_and_parses_only_on_change(tmp_path, monkeypatch):
    reader = StateFile(tmp_path)
    set_state(tmp_path, [BOOK], TradingState.REDUCING)
    assert reader.current(BOOK).state is TradingState.REDUCING
    parsed = []
    import deepalpha.risk_state as rs

    real = rs._read
    monkeypatch.setattr(rs, "_read", lambda path: parsed.append(path) or real(path))
    for _ in range(5):
        assert reader.current(BOOK).state is TradingState.REDUCING
    assert parsed == []  # unchanged file: no parse
    set_state(tmp_path, [BOOK], TradingState.HALTED, reason="second")
    parsed.clear()  # the writer read it too
    # A replaced file is a new inode, even within one mtime tick.
    assert reader.current(BOOK).state is TradingState.HALTED
    assert len(parsed) == 1


def test_a_corrupt_file_reads_as_halted(tmp_path):
    (tmp_path / FILE_NAME).write_text("{not json")
    state = StateFile(tmp_path).current(BOOK)
    assert state.state is TradingState.HALTED
    assert "trading state file unreadable" in state.reason
    set_state(tmp_path, [BOOK], "ACTIVE")  # the CLI can always repair it
    assert StateFile(tmp_path).current(BOOK).state is TradingState.ACTIVE


def test_writes_leave_no_temporary_files(tmp_path):
    for state in ("HALTED", "REDUCING", "ACTIVE"):
        set_state(tmp_path, [BOOK, "live:x"], state)
    assert sorted(os.listdir(tmp_path)) == [FILE_NAME, FILE_NAME + ".lock"]


def test_unknown_state_is_refused(tmp_path):
    with pytest.raises(ValueError, match="trading state must be one of ACTIVE, REDUCING, HALTED"):
        set_state(tmp_path, [BOOK], "PAUSED")


def test_state_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("DEEPALPHA_STATE_DIR", raising=False)
    assert str(state_dir("sqlite:///data/deepalpha.db")) == "data"
    assert str(state_dir(f"sqlite:///{tmp_path}/x/d.db")) == f"{tmp_path}/x"
    assert str(state_dir("postgresql://u@h/db")) == "data"
    monkeypatch.setenv("DEEPALPHA_STATE_DIR", str(tmp_path))
    assert state_dir("sqlite:///data/deepalpha.db") == tmp_path


# -- filter_intent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "position", "side", "quantity", "reduce_only", "allowed"),
    [
        ("ACTIVE", "0", Side.BUY, "1", False, True),
        ("REDUCING", "0", Side.BUY, "1", False, False),  # opens
        ("REDUCING", "2", Side.BUY, "1", False, False),  # adds to a long
        ("REDUCING", "2", Side.SELL, "1", False, True),  # reduces a long
        ("REDUCING", "2", Side.SELL, "2", False, True),  # closes it
        ("REDUCING", "2", Side.SELL, "3", False, False),  # would flip to short
        ("HALTED", "-2", Side.BUY, "2", False, True),  # covers a short
        ("HALTED", "-2", Side.SELL, "1", False, False),
        ("HALTED", "2", Side.SELL, None, True, True),  # unsized exit: sizing closes it
        ("HALTED", "2", Side.SELL, None, False, False),
        ("HALTED", "0", Side.SELL, "1", True, False),  # nothing to reduce
    ],
)
def test_filter_intent(state, position, side, quantity, reduce_only, allowed):
    ok, reason = filter_intent(
        TradingState(state),
        intent(BTC, side, quantity, reduce_only),
        Position(BTC, Decimal(position)),
    )
    assert ok is allowed
    assert (reason == "") is allowed


def test_filter_reason_names_the_state_and_its_reason():
    state = BookState(TradingState.HALTED, "exchange outage")
    ok, reason = filter_intent(state, intent(ETH, Side.BUY, "0.5"), Position(ETH))
    assert not ok
    assert reason == (
        "trading_state: HALTED (exchange outage): only orders reducing a position are accepted; "
        "buy 0.5 ETH/USDT with position 0 would not reduce it"
    )


# -- orders_to_cancel --------------------------------------------------------------------------


def test_halted_cancels_resting_entries_over_two_symbols():
    positions = {BTC: Position(BTC, Decimal(3)), ETH: Position(ETH, Decimal(-1))}
    orders = [
        order("1", BTC, Side.BUY, "1"),  # entry: adds to the long
        order("2", BTC, Side.SELL, "2"),  # take-profit of 2 out of 3: stays
        order("3", BTC, Side.SELL, "2"),  # another 2: together 4 > 3, cancelled
        order("4", ETH, Side.BUY, "1", status=OrderStatus.PARTIALLY_FILLED, filled="0.5"),
        order("5", ETH, Side.SELL, "1"),  # adds to the short
        order("6", BTC, Side.BUY, "5", status=OrderStatus.FILLED, filled="5"),  # done: skipped
        order("7", "XRP/USDT", Side.SELL, "10", reduce_only=True),  # nothing held
    ]
    cancel = orders_to_cancel(TradingState.HALTED, orders, positions)
    assert [o.id for o in cancel] == ["1", "3", "5", "7"]
    assert orders_to_cancel(TradingState.REDUCING, orders, positions) == []
    assert orders_to_cancel(TradingState.ACTIVE, orders, positions) == []


# -- properties ------------------------------------------------------------------------------

positions = st.decimals(min_value="-100", max_value="100", places=2)
quantities = st.decimals(min_value="0.01", max_value="200", places=2)


@settings(max_examples=300)
@given(positions, quantities, st.sampled_from(Side), st.sampled_from(TradingState))
def test_no_state_lets_through_an_order_that_grows_the_position(held, quantity, side, state):
    ok, _ = filter_intent(state, intent(BTC, side, quantity), Position(BTC, held))
    after = held + side.sign * quantity
    if state is TradingState.ACTIVE:
        assert ok
    else:
        shrinks = abs(after) < abs(held) and after * held >= 0  # smaller, same side or flat
        assert ok == shrinks
    assert is_reducing(intent(BTC, side, quantity), held) == (
        held != 0 and held * side.sign < 0 and quantity <= abs(held)
    )
