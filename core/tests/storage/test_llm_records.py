"""Recorded LLM answers with what they cost, the spend ledger, and migration 0003."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from deepalpha.storage import Store, connect, migrate
from deepalpha.storage import tables as t

ANSWER = {"action": "buy", "confidence": 0.8, "rationale": "trend up"}
PARAMS = {"temperature": 0.0, "seed": 7, "response_format": "json_schema"}


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def _sha(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def _put(store: Store, provider: str, model: str, prompt: str, **usage) -> str:
    params = usage.pop("params", None)
    key = store.llm_key(provider, model, "sys", prompt, params)
    store.llm_put(key, provider, model, "sys", prompt, ANSWER, params=params, **usage)
    return key


def _age(store: Store, key: str, created_at: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(t.llm_calls).where(t.llm_calls.c.key == key).values(created_at=created_at)
        )


# -- the record key ----------------------------------------------------------------------------


def test_key_without_params_is_the_old_formula() -> None:
    expected = _sha(["openai", "gpt-4o-mini", "sys", "prompt é"])
    assert Store.llm_key("openai", "gpt-4o-mini", "sys", "prompt é") == expected
    assert Store.llm_key("openai", "gpt-4o-mini", "sys", "prompt é", None) == expected
    assert Store.llm_key("openai", "gpt-4o-mini", "sys", "prompt é", {}) == expected


def test_params_change_the_key_and_their_order_does_not() -> None:
    base = Store.llm_key("p", "m", "s", "q")
    with_params = Store.llm_key("p", "m", "s", "q", {"temperature": 0.0, "seed": 7})
    reordered = Store.llm_key("p", "m", "s", "q", {"seed": 7, "temperature": 0.0})
    hotter = Store.llm_key("p", "m", "s", "q", {"temperature": 0.7, "seed": 7})
    assert with_params != base
    assert with_params == reordered
    assert hotter != with_params
    payload = json.dumps(["p", "m", "s", "q", {"seed": 7, "temperature": 0.0}], sort_keys=True)
    assert with_params == hashlib.sha256(payload.encode()).hexdigest()


def test_params_that_are_not_json_are_refused() -> None:
    with pytest.raises(ValueError, match="params must be JSON values"):
        Store.llm_key("p", "m", "s", "q", {"when": object()})


def test_put_refuses_a_key_computed_without_its_params(store: Store) -> None:
    key = store.llm_key("p", "m", "s", "q")
    with pytest.raises(ValueError, match="does not match"):
        store.llm_put(key, "p", "m", "s", "q", ANSWER, params={"seed": 1})


# -- records -----------------------------------------------------------------------------------


def test_put_get_round_trip_with_usage(store: Store) -> None:
    key = _put(
        store,
        "openai",
        "gpt-4o-mini",
        "q1",
        params=PARAMS,
        raw='{"action": "buy"}',
        input_tokens=1200,
        output_tokens=80,
        cost_usd=0.000228,
        attempts=2,
        latency_ms=412.5,
    )
    assert store.llm_get(key) == ANSWER
    # The first answer stays, with its usage, when the same question is recorded again.
    store.llm_put(
        key,
        "openai",
        "gpt-4o-mini",
        "sys",
        "q1",
        {"action": "sell", "confidence": 0.1, "rationale": ""},
        params=PARAMS,
        input_tokens=1,
    )
    assert store.llm_get(key) == ANSWER
    [record] = store.llm_records(full=True)
    assert record == {
        "key": key,
        "provider": "openai",
        "model": "gpt-4o-mini",
        "created_at": record["created_at"],
        "params": PARAMS,
        "response": ANSWER,
        "input_tokens": 1200,
        "output_tokens": 80,
        "cost_usd": pytest.approx(0.000228),
        "attempts": 2,
        "latency_ms": 412.5,
        "system": "sys",
        "prompt": "q1",
        "raw": '{"action": "buy"}',
    }
    short = store.llm_records()[0]
    assert "prompt" not in short and "raw" not in short and short["key"] == key


def test_put_defaults_and_bad_usage(store: Store) -> None:
    _put(store, "smollm", "SmolLM2", "q")
    [record] = store.llm_records()
    assert record["params"] is None and record["latency_ms"] is None
    assert (record["input_tokens"], record["output_tokens"], record["attempts"]) == (0, 0, 1)
    assert record["cost_usd"] == 0.0
    with pytest.raises(ValueError, match="cost_usd must be a finite number >= 0"):
        _put(store, "smollm", "SmolLM2", "q2", cost_usd=float("nan"))
    with pytest.raises(ValueError, match="input_tokens must be"):
        _put(store, "smollm", "SmolLM2", "q3", input_tokens=-1)


def test_records_filters_order_and_limit(store: Store) -> None:
    a = _put(store, "openai", "gpt-4o", "a")
    b = _put(store, "openai", "gpt-4o-mini", "b")
    c = _put(store, "anthropic", "claude-sonnet-4", "c")
    _age(store, a, 1_000)
    _age(store, b, 2_000)
    _age(store, c, 3_000)
    assert [r["key"] for r in store.llm_records()] == [c, b, a]
    assert [r["key"] for r in store.llm_records(provider="openai")] == [b, a]
    assert [r["key"] for r in store.llm_records(model="gpt-4o")] == [a]
    assert [r["key"] for r in store.llm_records(before_ms=3_000)] == [b, a]
    assert [r["key"] for r in store.llm_records(limit=1)] == [c]
    with pytest.raises(ValueError, match="limit must be >= 1"):
        store.llm_records(limit=0)


def test_prune_counts_and_filters(store: Store) -> None:
    keys = [_put(store, "openai", "gpt-4o", f"q{i}") for i in range(3)]
    other = _put(store, "anthropic", "claude-sonnet-4", "x")
    for i, key in enumerate(keys):
        _age(store, key, 1_000 * (i + 1))
    _age(store, other, 500)
    with pytest.raises(ValueError, match="no filter given"):
        store.llm_prune()
    assert store.llm_prune(provider="openai", before_ms=3_000, dry_run=True) == 2
    assert len(store.llm_records()) == 4
    assert store.llm_prune(provider="openai", before_ms=3_000) == 2
    assert [r["key"] for r in store.llm_records()] == [keys[2], other]
    assert store.llm_prune(provider="nobody") == 0
    assert store.llm_prune(model="claude-sonnet-4") == 1
    assert store.llm_prune(everything=True) == 1
    assert store.llm_records() == []


def test_prune_leaves_the_ledger(store: Store) -> None:
    _put(store, "openai", "gpt-4o", "q")
    store.record_llm_usage([{"ts": 5, "provider": "openai", "model": "gpt-4o", "ok": True}])
    store.llm_prune(everything=True)
    assert store.llm_spend_since(0) == 0.0
    assert store.llm_usage()[0]["calls"] == 1


# -- the spend ledger --------------------------------------------------------------------------


def _call(ts: int, provider: str = "openai", model: str = "gpt-4o-mini", **extra) -> dict:
    return {"ts": ts, "provider": provider, "model": model, "ok": True, **extra}


def test_ledger_sums_and_aggregates_per_utc_day(store: Store, run_id: str) -> None:
    before_midnight = _ms("2024-03-01T23:59:59.999")
    midnight = _ms("2024-03-02T00:00:00")
    store.record_llm_usage(
        [
            _call(
                before_midnight - 60_000,
                run_id=run_id,
                input_tokens=1000,
                output_tokens=50,
                cost_usd=0.25,
                attempts=1,
                latency_ms=300.0,
            ),
            _call(
                before_midnight,
                run_id=run_id,
                cost_usd=0.5,
                attempts=3,
                ok=False,
                error="HTTP 429 rate limited",
            ),
            _call(midnight, run_id=run_id, input_tokens=10, output_tokens=5, cost_usd=1.0),
            _call(midnight + 1, provider="anthropic", model="claude-sonnet-4", cost_usd=2.0),
        ]
    )
    assert store.llm_spend_since(0) == pytest.approx(3.75)
    assert store.llm_spend_since(midnight) == pytest.approx(3.0)
    assert store.llm_spend_since(midnight + 2) == 0.0
    usage = store.llm_usage()
    assert [(u["day"], u["provider"], u["model"]) for u in usage] == [
        ("2024-03-01", "openai", "gpt-4o-mini"),
        ("2024-03-02", "anthropic", "claude-sonnet-4"),
        ("2024-03-02", "openai", "gpt-4o-mini"),
    ]
    assert usage[0] == {
        "day": "2024-03-01",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "calls": 2,
        "failures": 1,
        "attempts": 4,
        "input_tokens": 1000,
        "output_tokens": 50,
        "cost_usd": pytest.approx(0.75),
    }
    assert [u["cost_usd"] for u in store.llm_usage(run_id=run_id)] == [
        pytest.approx(0.75),
        pytest.approx(1.0),
    ]
    assert [u["day"] for u in store.llm_usage(since_ms=midnight)] == ["2024-03-02"] * 2
    assert store.llm_usage(run_id="0" * 32) == []


def test_ledger_rows_keep_their_columns(store: Store) -> None:
    store.record_llm_usage([_call(7, ok=False, error="timeout after 120 s", latency_ms=12.5)])
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t.llm_usage)).mappings().one()
    assert dict(row) == {
        "pk": row["pk"],
        "run_id": None,
        "ts": 7,
        "provider": "openai",
        "model": "gpt-4o-mini",
        "ok": False,
        "attempts": 1,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": 0.0,
        "latency_ms": 12.5,
        "error": "timeout after 120 s",
    }


def test_ledger_refuses_unknown_and_missing_keys(store: Store) -> None:
    with pytest.raises(ValueError, match=r"unknown key.*tokens"):
        store.record_llm_usage([_call(1, tokens=3)])
    with pytest.raises(ValueError, match=r"missing key.*ok"):
        store.record_llm_usage([{"ts": 1, "provider": "p", "model": "m"}])
    store.record_llm_usage([])
    assert store.llm_usage() == []


# -- migration 0003 ----------------------------------------------------------------------------


def test_upgrade_from_0002_keeps_recorded_answers_replayable(db_url: str) -> None:
    engine = connect.create(connect.parse(db_url))
    old_key = _sha(["smollm", "SmolLM2", "sys", "old prompt"])
    try:
        with connect.writer(engine).begin() as conn:
            command.upgrade(migrate.config(conn), "0002")
        with engine.begin() as conn:
            assert migrate.current(conn) == "0002"
            conn.execute(
                sa.text(
                    "INSERT INTO llm_calls (key, provider, model, system, prompt, response, "
                    "created_at) VALUES (:key, 'smollm', 'SmolLM2', 'sys', 'old prompt', "
                    ":response, 1000)"
                ),
                {"key": old_key, "response": json.dumps(ANSWER)},
            )
    finally:
        engine.dispose()
    with Store.open(db_url) as store:
        with store.engine.connect() as conn:
            assert migrate.current(conn) == migrate.head()
        assert store.llm_key("smollm", "SmolLM2", "sys", "old prompt") == old_key
        assert store.llm_get(old_key) == ANSWER
        assert store.llm_answers("smollm", "SmolLM2") == {old_key: ANSWER}
        [record] = store.llm_records(full=True)
        assert record["prompt"] == "old prompt" and record["created_at"] == 1000
        assert all(
            record[name] is None
            for name in ("params", "raw", "input_tokens", "cost_usd", "attempts", "latency_ms")
        )
        store.record_llm_usage([_call(1)])
        assert store.llm_usage()[0]["calls"] == 1
