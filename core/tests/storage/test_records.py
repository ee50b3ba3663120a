"""Signals, decisions, the equity curve and recorded LLM calls."""

from __future__ import annotations

import numpy as np
import pytest
from deepalpha.domain import Action, Decision, Direction, Signal
from deepalpha.storage import Store


def _signal(i: int, direction: Direction = Direction.LONG) -> Signal:
    return Signal(
        agent="technical",
        symbol="BTC/USD",
        ts=1_500_000_000_000 + i * 3_600_000,
        direction=direction,
        strength=0.1 * (i % 10),
        confidence=1 / 3,
        rationale=f"EMA(12) > EMA(26) by {i}; RSI 55 \u2191",
    )


def test_signals_round_trip(store: Store, run_id: str) -> None:
    signals = [_signal(i, Direction(i % 3 - 1)) for i in range(50)]
    store.record_signals(run_id, signals)
    store.record_signals(run_id, [])
    assert store.signals(run_id) == signals


def test_decisions_round_trip_with_their_signals(store: Store, run_id: str) -> None:
    decisions = [
        Decision("BTC/USD", 1, Action.BUY, 0.75, "trend up", "llm:smollm", (_signal(1),)),
        Decision("BTC/USD", 2, Action.HOLD, 0.0, "", "vote", ()),
        Decision(
            "ETH/USD",
            3,
            Action.SELL,
            1.0,
            "two agents",
            "vote",
            (_signal(2, Direction.SHORT), _signal(3, Direction.FLAT)),
        ),
    ]
    store.record_decision(run_id, decisions[0])
    store.record_decisions(run_id, decisions[1:])
    store.record_decisions(run_id, [])
    assert store.decisions(run_id) == decisions
    # The signals behind each decision are also queryable on their own.
    assert store.signals(run_id) == [s for d in decisions for s in d.signals]


def test_equity_batch_round_trip(store: Store, run_id: str) -> None:
    n = 20_000
    ts = 1_500_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    equity = 10_000 + np.cumsum(np.sin(np.arange(n)) * 3.3)
    cash = np.linspace(10_000, 0.1, n)
    # numpy scalars, as an engine holding arrays would pass them
    store.record_equity(run_id, list(zip(ts, equity, cash, strict=True)))
    got_ts, got_eq, got_cash = store.equity(run_id)
    assert got_ts.dtype == np.int64 and got_eq.dtype == np.float64 and got_cash.dtype == np.float64
    np.testing.assert_array_equal(got_ts, ts)
    np.testing.assert_array_equal(got_eq, equity)  # exact: doubles on both backends
    np.testing.assert_array_equal(got_cash, cash)


def test_equity_of_unknown_or_empty_run(store: Store, run_id: str) -> None:
    store.record_equity(run_id, [])
    for arr in store.equity(run_id):
        assert arr.size == 0


def test_llm_key_is_stable_and_unambiguous(store: Store) -> None:
    key = store.llm_key("smollm", "SmolLM2-135M", "sys", "prompt")
    assert key == Store.llm_key("smollm", "SmolLM2-135M", "sys", "prompt")
    assert len(key) == 64 and int(key, 16) >= 0
    assert Store.llm_key("p", "m", "ab", "c") != Store.llm_key("p", "m", "a", "bc")
    assert Store.llm_key("p", "m2", "s", "x") != Store.llm_key("p", "m", "s", "x")


def test_llm_put_get_is_idempotent(store: Store) -> None:
    args = ("openai", "gpt-x", "You trade.", "BTC: EMA up, RSI 71. \u20ac")
    key = store.llm_key(*args)
    assert store.llm_get(key) is None
    answer = {"action": "buy", "confidence": 0.7, "rationale": "trend \u2191"}
    store.llm_put(key, *args, answer)
    store.llm_put(key, *args, {"action": "sell", "confidence": 0.1, "rationale": "other"})
    assert store.llm_get(key) == answer


def test_llm_put_refuses_a_key_that_does_not_match(store: Store) -> None:
    with pytest.raises(ValueError, match="does not match"):
        store.llm_put("0" * 64, "p", "m", "s", "q", {"action": "hold"})
