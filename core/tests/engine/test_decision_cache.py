"""The decision cache: TTL in bar time (never wall time), keyed per symbol, in the process or in a
real Redis server."""

from __future__ import annotations

import time

import pytest
from deepalpha.config.schema import (
    CacheConfig,
    DecisionConfig,
    LLMProviderConfig,
    LLMUseConfig,
    MemoryConfig,
    WeightsConfig,
)
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.cache import CachedDecision, MemoryCache, RedisCache, fingerprint
from deepalpha.engine.decision import DecisionEngine
from deepalpha.errors import UserError
from deepalpha.llm import LLMAnswer, LLMProvider

BTC, ETH = "BTC/USD", "ETH/USD"
S = 1000  # ms


class CountingLLM(LLMProvider):
    name = "counting"
    model = "m"

    def __init__(self, action: Action = Action.BUY) -> None:
        self.action = action
        self.prompts: list[str] = []

    def decide(self, system, prompt):
        self.prompts.append(prompt)
        return LLMAnswer(self.action, 0.9, "because")


def _bar(ts, symbol=BTC):
    return Bar(symbol, ts, 100.0, 100.0, 100.0, 100.0, 1.0)


def _signals(direction, symbol=BTC, strength=1.0):
    return [
        Signal("a", symbol, 0, Direction(direction), strength, 0.8, "r"),
        Signal("b", symbol, 0, Direction(direction), strength, 0.6, "r"),
    ]


def _engine(llm, ttl=300.0, url=None, book=None, memory=0, provider_configs=None):
    cfg = DecisionConfig(
        weights=WeightsConfig(enabled=False),
        cache=CacheConfig(ttl=ttl, url=url),
        memory=MemoryConfig(size=memory),
        llm=LLMUseConfig(providers=("x",), record=False),
    )
    return DecisionEngine(
        cfg, {"a": 1.0, "b": 1.0}, {"x": llm}, book=book, provider_configs=provider_configs
    )


def _no_wall_clock(monkeypatch) -> None:
    def refuse():
        raise AssertionError("the decision cache read the wall clock")

    for name in ("time", "monotonic", "perf_counter", "time_ns", "monotonic_ns"):
        monkeypatch.setattr(time, name, refuse)


def _point(engine, ts, symbol=BTC, position=0):
    """A buy decision point at ``ts``: a hold bar first, so the vote changes."""
    engine.decide(_bar(ts - 1, symbol), _signals(0, symbol), position)
    return engine.decide(_bar(ts, symbol), _signals(1, symbol), position)


def test_cache_ttl_is_measured_in_bar_time_per_symbol(monkeypatch) -> None:
    llm = CountingLLM()
    engine = _engine(llm, ttl=300)
    _no_wall_clock(monkeypatch)
    first = _point(engine, 1_000 * S)
    assert first.action is Action.BUY and first.explanation["cache"] == {"hit": False}
    again = _point(engine, 1_299 * S)  # 299 s of bar time later: a hit, the model not asked
    eth = _point(engine, 1_299 * S, ETH)  # same signals, other symbol: its own entry
    assert len(llm.prompts) == 2
    assert again.action is Action.BUY and again.confidence == first.confidence
    assert again.ts == 1_299 * S and again.signals[0].symbol == BTC
    assert again.explanation["cache"] == {"hit": True, "decided_ts": 1_000 * S, "age_ms": 299 * S}
    assert again.rationale == first.rationale + " [cache hit: decided 299 s earlier]"
    assert "cache hit" in again.explanation["steps"][1]
    assert eth.explanation["cache"]["hit"] is False
    # 300 s after the entry was stamped it has expired, however little wall time passed.
    late = _point(engine, 1_300 * S)
    assert late.explanation["cache"]["hit"] is False and len(llm.prompts) == 3
    assert engine.stats["cache_hits"] == 1


def test_the_position_is_part_of_the_key() -> None:
    llm = CountingLLM()
    engine = _engine(llm)
    _point(engine, 1_000 * S, position=0)
    d = _point(engine, 1_010 * S, position=-1)  # covering a short is another question
    assert d.explanation["cache"]["hit"] is False and len(llm.prompts) == 2
    # Signals rounded to two decimals are the same key.
    engine.decide(_bar(1_019 * S), _signals(0), 0)
    d = engine.decide(_bar(1_020 * S), _signals(1, strength=0.999), 0)
    assert d.explanation["cache"]["hit"] is True


def test_a_backtest_hits_the_cache_identically_on_every_run() -> None:
    def run():
        llm = CountingLLM()
        engine = _engine(llm, ttl=300)
        out = []
        for i in range(40):
            ts = i * 60 * S  # one-minute bars
            direction = 1 if (i // 2) % 2 == 0 else 0
            for symbol in (BTC, ETH):
                d = engine.decide(_bar(ts, symbol), _signals(direction, symbol), 0)
                if d is not None:
                    out.append((symbol, d.ts, d.action, d.explanation["cache"]["hit"]))
        return out, len(llm.prompts)

    (first, asked), (second, asked_again) = run(), run()
    assert first == second and asked == asked_again
    hits = [hit for *_, hit in first]
    assert any(hits) and not all(hits) and asked == hits.count(False)


def test_no_cache_without_an_llm_or_with_ttl_zero() -> None:
    plain = DecisionEngine(DecisionConfig(), {"a": 1.0})
    assert plain.cache is None
    assert _engine(CountingLLM(), ttl=0).cache is None


def test_failed_llm_answers_are_not_cached() -> None:
    class Down(LLMProvider):
        model = "m"

        def __init__(self):
            self.calls = 0

        def decide(self, system, prompt):
            self.calls += 1
            raise TimeoutError("slow")

    down = Down()
    # A breaker that stays closed: every decision point asks (the breaker has its own tests).
    closed = {"x": LLMProviderConfig(provider="x", failure_threshold=10)}
    engine = _engine(down, provider_configs=closed)
    for symbol in (BTC, ETH):
        assert _point(engine, 1_000 * S, symbol).action is Action.HOLD
        assert _point(engine, 1_001 * S, symbol).explanation["cache"]["hit"] is False
    assert down.calls == 4


def test_memory_cache_prunes_expired_entries() -> None:
    cache = MemoryCache(1.0)
    for i in range(5000):
        cache.put(BTC, (0, i), CachedDecision(i * 10, "buy", 0.5, "r", "vote"))
    assert len(cache) <= 4097  # entries older than the TTL at the newest stamp are dropped
    assert cache.get(BTC, (0, 4999), 49_990) is not None
    assert cache.get(ETH, (0, 4999), 49_990) is None


# -- Redis ------------------------------------------------------------------------------------


def test_redis_cache_against_a_real_server(redis_url, redis_namespace) -> None:
    cache = RedisCache(redis_url, 300, redis_namespace)
    key = fingerprint(_signals(1), 0)
    entry = CachedDecision(1_000 * S, "sell", 0.4, "sell 0.40: why", "llm:x", {"action": "sell"})
    cache.put(BTC, key, entry)
    assert cache.get(BTC, key, 1_000 * S) == entry
    assert cache.get(BTC, key, 1_299 * S) == entry
    assert cache.get(BTC, key, 1_300 * S) is None  # expired in bar time; the key still exists
    assert cache.get(BTC, key, 999 * S) is None  # stamped after this bar: not for it
    assert cache.get(ETH, key, 1_000 * S) is None
    assert cache.get(BTC, fingerprint(_signals(1), 1), 1_000 * S) is None
    cache.close()


def test_engines_of_one_book_share_the_redis_cache(redis_url, redis_namespace) -> None:
    """A restarted paper run (a new engine, same book) reuses its decisions from Redis."""
    first_llm, second_llm = CountingLLM(), CountingLLM(Action.SELL)
    first = _engine(first_llm, url=redis_url, book=redis_namespace)
    d1 = _point(first, 5_000 * S)
    first.close()
    second = _engine(second_llm, url=redis_url, book=redis_namespace)
    d2 = _point(second, 5_100 * S)
    e2 = _point(second, 5_100 * S, ETH)
    assert second_llm.prompts and len(second_llm.prompts) == 1  # ETH only
    assert d2.action is d1.action is Action.BUY and d2.explanation["cache"]["hit"] is True
    assert e2.explanation["cache"]["hit"] is False
    assert e2.explanation["llm"]["answers"][0]["action"] == "sell"
    second.close()


def test_runs_without_a_book_never_share_redis_entries(redis_url) -> None:
    import redis

    llms = [CountingLLM(), CountingLLM()]
    engines = [_engine(llm, url=redis_url) for llm in llms]
    try:
        for engine in engines:
            assert _point(engine, 7_000 * S).explanation["cache"]["hit"] is False
        assert [len(llm.prompts) for llm in llms] == [1, 1]
        assert engines[0].cache.namespace != engines[1].cache.namespace
    finally:
        client = redis.Redis.from_url(redis_url)
        for engine in engines:
            engine.close()
            keys = list(client.scan_iter(f"deepalpha:decision:{engine.cache.namespace}*"))
            if keys:
                client.delete(*keys)
        client.close()


def test_unreachable_redis_is_a_clear_error_and_a_failing_one_a_miss() -> None:
    with pytest.raises(UserError, match=r"decision\.cache\.url: cannot reach Redis at redis://"):
        RedisCache("redis://:secret@127.0.0.1:1/0", 300, "ns")
    try:
        RedisCache("redis://:secret@127.0.0.1:1/0", 300, "ns")
    except UserError as exc:
        assert "secret" not in str(exc)

    class Broken:
        def get(self, key):
            raise ConnectionError("gone")

        def set(self, *args, **kwargs):
            raise ConnectionError("gone")

        def close(self):
            pass

    cache = RedisCache("redis://127.0.0.1:1/0", 300, "ns", client=Broken())
    cache.put(BTC, (0,), CachedDecision(0, "buy", 1.0, "r", "vote"))
    assert cache.get(BTC, (0,), 0) is None
