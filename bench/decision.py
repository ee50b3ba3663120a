"""Decision engine overhead, model time excluded.

``DecisionEngine.decide`` runs on every bar of every symbol with that bar's signals. Measured here
with five agents' signals on two symbols (random-walk closes), per call:

1. a plain bar (no decision point): dynamic weights learning, the weighted vote, the veto and the
   decision-point test, with weights on and off;
2. a decision point without a model: the same plus the explanation and the rationale;
3. a decision point with an instant LLM provider (answers recorded in memory, so each point
   replays its answer): the prompt, the record lookup, the LLM vote;
4. a cache hit: a decision point whose signals and position were decided within the TTL;
   also the cache lookup alone.

Targets (issue 7): < 50 us per decision point, < 5 us per cache hit. Times are CPU time of this
process (``time.process_time``), best of ``--repeat``: the machines are shared, and wall time
counts other processes' turns on the cores.
Run: ``.venv/bin/python bench/decision.py [--repeat 5] [--redis redis://127.0.0.1:6379/0]``.
"""

from __future__ import annotations

import argparse
import random
import time

from deepalpha.config.schema import (
    CacheConfig,
    DecisionConfig,
    LLMUseConfig,
    WeightsConfig,
)
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.cache import fingerprint
from deepalpha.engine.decision import DecisionEngine
from deepalpha.llm import LLMAnswer, LLMProvider

AGENTS = ("technical", "pattern", "trend", "risk", "news")
SYMBOLS = ("BTC/USD", "ETH/USD")
H = 3_600_000


class InstantLLM(LLMProvider):
    name = "instant"
    model = "none"

    def decide(self, system, prompt):
        return LLMAnswer(Action.BUY, 0.7, "instant")


def _bars(n: int, seed: int = 7) -> list[Bar]:
    rng = random.Random(seed)
    out = []
    price = {s: 100.0 for s in SYMBOLS}
    for i in range(n):
        for s in SYMBOLS:
            price[s] *= 1.0 + rng.gauss(0, 0.01)
            p = price[s]
            out.append(Bar(s, i * H, p, p, p, p, 1.0))
    return out


def _signal_sets(bars: list[Bar], flip: bool, seed: int = 11) -> list[list[Signal]]:
    """Five agents' signals per bar. ``flip``: the vote alternates buy / sell on each symbol,
    so every bar is a decision point; else it stays a buy (no decision after the first)."""
    rng = random.Random(seed)
    out = []
    for k, bar in enumerate(bars):
        i = k // len(SYMBOLS)
        d = Direction.LONG if not flip or i % 2 == 0 else Direction.SHORT
        out.append(
            [
                Signal(a, bar.symbol, bar.ts, d, round(rng.uniform(0.5, 1), 2), 0.8, "r")
                for a in AGENTS
            ]
        )
    return out


def _config(weights: bool = True, llm: bool = False, ttl: float = 0.0) -> DecisionConfig:
    return DecisionConfig(
        weights=WeightsConfig(enabled=weights),
        cache=CacheConfig(ttl=ttl),
        llm=LLMUseConfig(providers=("instant",) if llm else ()),
    )


def _time(engine: DecisionEngine, bars, signals, positions) -> tuple[float, int]:
    decide = engine.decide
    points = 0
    started = time.process_time()
    for bar, sigs, pos in zip(bars, signals, positions, strict=True):
        if decide(bar, sigs, pos) is not None:
            points += 1
    return time.process_time() - started, points


def _positions(bars, flip: bool) -> list[int]:
    # Flat before a buy, long before a sell: every flip is a decision point.
    return [(i // len(SYMBOLS)) % 2 if flip else 0 for i in range(len(bars))]


def bench(repeat: int, n: int, redis_url: str | None = None) -> None:
    bars = _bars(n)
    weights = {a: 1.0 for a in AGENTS}
    steady, flipping = _signal_sets(bars, False), _signal_sets(bars, True)
    pos_steady, pos_flip = _positions(bars, False), _positions(bars, True)
    calls = len(bars)

    def best(make, signals, positions) -> tuple[float, int]:
        runs = [_time(make(), bars, signals, positions) for _ in range(repeat)]
        seconds = min(r[0] for r in runs)
        return seconds, runs[0][1]

    rows = []
    for label, cfg in (("weights on", _config()), ("weights off", _config(weights=False))):
        s, points = best(lambda cfg=cfg: DecisionEngine(cfg, weights), steady, pos_steady)
        rows.append((f"plain bar, 5 agents, {label}", s / calls * 1e6, f"{points} points"))
    s, points = best(lambda: DecisionEngine(_config(), weights), flipping, pos_flip)
    rows.append(("decision point, no model", s / points * 1e6, f"{points} points"))

    def with_llm(ttl: float = 0.0) -> DecisionEngine:
        return DecisionEngine(_config(llm=True, ttl=ttl), weights, {"instant": InstantLLM()})

    # Warm the answer record, so the timed pass replays (model time excluded by construction).
    warm = with_llm()
    _time(warm, bars, flipping, pos_flip)
    record = warm.record

    def replaying() -> DecisionEngine:
        engine = with_llm()
        engine.record = record
        return engine

    s, points = best(replaying, flipping, pos_flip)
    rows.append(("decision point, LLM replayed", s / points * 1e6, f"{points} points"))

    # Cache hits: the same five signals on every flip (bar time 1 h, TTL long enough).
    same = [
        [Signal(a, b.symbol, b.ts, sigs[0].direction, 0.9, 0.8, "r") for a in AGENTS]
        for b, sigs in zip(bars, flipping, strict=True)
    ]

    def cached() -> DecisionEngine:
        engine = with_llm(ttl=10 * n * 3600.0)
        engine.record = record
        return engine

    runs = []
    for _ in range(repeat):
        engine = cached()
        _time(engine, bars[:8], same[:8], pos_flip[:8])  # fill the cache (first points miss)
        before = engine.stats["cache_hits"]
        t, p = _time(engine, bars[8:], same[8:], pos_flip[8:])
        runs.append((t, p, engine.stats["cache_hits"] - before))
    t, p, h = min(runs)
    rows.append(("decision point, cache hit", t / p * 1e6, f"{h} hits of {p} points"))

    cache = engine.cache
    key = fingerprint(same[8], pos_flip[8])
    bar = bars[8]
    cache_get = cache.get
    loops = 200_000
    started = time.process_time()
    for _ in range(loops):
        cache_get(bar.symbol, key, bar.ts)
    lookup = (time.process_time() - started) / loops * 1e6
    started = time.process_time()
    for _ in range(loops // 4):
        fingerprint(same[8], 0)
    fp = (time.process_time() - started) / (loops // 4) * 1e6
    rows.append(("cache lookup alone (in-process)", lookup, "dict + bar-time check"))
    rows.append(("fingerprint of 5 signals", fp, "hundredths"))

    if redis_url:
        from deepalpha.engine.cache import CachedDecision, RedisCache

        remote = RedisCache(redis_url, 300, f"bench-{time.time_ns()}")
        remote.put(bar.symbol, key, CachedDecision(bar.ts, "buy", 0.5, "r", "vote", {"a": 1}))
        loops = 2_000
        started = time.perf_counter()  # wall time: the server's work is not this process's
        for _ in range(loops):
            remote.get(bar.symbol, key, bar.ts)
        rows.append(
            (
                "cache lookup alone (Redis, loopback)",
                (time.perf_counter() - started) / loops * 1e6,
                "wall time, one round trip",
            )
        )
        remote._client.delete(remote._key(bar.symbol, key))
        remote.close()

    print(f"decision engine, {n} bars x {len(SYMBOLS)} symbols, best of {repeat}")
    width = max(len(r[0]) for r in rows)
    for label, us, note in rows:
        print(f"  {label.ljust(width)}  {us:8.2f} us  ({note})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bars", type=int, default=20_000)
    parser.add_argument("--redis", default=None, help="also time lookups in this Redis server")
    args = parser.parse_args()
    bench(args.repeat, args.bars, args.redis)


if __name__ == "__main__":
    main()
