from __future__ import annotations

import math
from decimal import Decimal

import pytest
from deepalpha.storage import RunInfo, Store


def test_start_and_finish_run_round_trip(store: Store) -> None:
    config = {"risk": {"fraction": Decimal("0.02")}, "agents": ["technical"], "nested": {"x": [1]}}
    run_id = store.start_run("paper", config, ["BTC/USD", "ETH/USD"])
    assert len(run_id) == 32 and int(run_id, 16) >= 0

    [info] = store.runs()
    assert isinstance(info, RunInfo)
    assert (info.id, info.mode, info.status) == (run_id, "paper", "running")
    assert info.symbols == ("BTC/USD", "ETH/USD")
    # Decimals in a config are stored as exact text (JSON has no decimal type).
    assert info.config == {
        "risk": {"fraction": "0.02"},
        "agents": ["technical"],
        "nested": {"x": [1]},
    }
    assert info.finished_at is None and info.summary is None

    summary = {"total_return": 0.125, "sharpe": math.nan, "trades": 3}
    store.finish_run(run_id, "finished", summary)
    info = store.run(run_id)
    assert info.status == "finished"
    assert info.finished_at >= info.started_at
    # NaN is not JSON: stored as null so PostgreSQL accepts it.
    assert info.summary == {"total_return": 0.125, "sharpe": None, "trades": 3}
    assert info.started.tzinfo is not None


def test_finish_run_refuses_twice_unknown_and_bad_status(store: Store) -> None:
    run_id = store.start_run("backtest", {}, ["BTC/USD"])
    with pytest.raises(ValueError, match="final run status must be one of"):
        store.finish_run(run_id, "done", None)
    store.finish_run(run_id, "failed", None)
    with pytest.raises(ValueError, match="already finished with status 'failed'"):
        store.finish_run(run_id, "finished", None)
    with pytest.raises(ValueError, match="unknown run 'nope'"):
        store.finish_run("nope", "finished", None)


@pytest.mark.parametrize(
    ("mode", "symbols", "message"),
    [
        ("real-money", ["BTC/USD"], "run mode must be one of backtest, paper, live"),
        ("backtest", "BTC/USD", "list of non-empty strings"),
        ("backtest", ["BTC/USD", ""], "list of non-empty strings"),
    ],
)
def test_start_run_validates(store: Store, mode, symbols, message) -> None:
    with pytest.raises(ValueError, match=message):
        store.start_run(mode, {}, symbols)
    assert store.runs() == []


def test_runs_newest_first_with_limit(store: Store) -> None:
    ids = [store.start_run("backtest", {"i": i}, ["BTC/USD"]) for i in range(4)]
    listed = store.runs(limit=3)
    assert len(listed) == 3
    assert set(r.id for r in listed) <= set(ids)
    starts = [r.started_at for r in listed]
    assert starts == sorted(starts, reverse=True)
    assert len(store.runs()) == 4
    with pytest.raises(ValueError, match="limit must be >= 1"):
        store.runs(limit=0)


def test_run_unknown_is_none(store: Store) -> None:
    assert store.run("0" * 32) is None
