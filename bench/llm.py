"""LLM governance overhead: the engine's cost per model decision, replays, and concurrent voting.

Issue 8's targets, measured on the decision engine (``DecisionEngine.decide`` at decision points,
five agents' signals on two symbols, every bar a decision point):

1. **framework overhead per LLM decision, the model's time excluded** (< 1 ms): providers that
   answer instantly in-process (with token usage, priced), every decision point a new prompt, so
   every point is a real call through the governor (breaker, budget check, rate limiter, worker
   thread, accounting, recording); the providers' own time is measured inside them and taken
   off. With one provider, three voting, and three voting with a SQLite store (answers recorded
   and the spend ledger written, as a run does);
2. **a replayed answer** (< 50 us): the same decision points again with the answers recorded
   (warmed), so every point replays; per point, and over a decision point without a model;
3. **several providers concurrently** (wall ~ the slowest): the real openai, anthropic and
   deepseek providers against three loopback servers (127.0.0.1 only) answering after set
   latencies; the wall time of one decision with ``combine: vote`` against the sum and the
   slowest of the providers asked alone.

Times 1 and 2 are wall time (``time.perf_counter``; model calls run on worker threads, whose
hand-off is part of the overhead) and CPU time of the process (every thread), best of ``--repeat``.
Run: ``.venv/bin/python bench/llm.py [--repeat 5] [--points 2000] [--latency 100,200,300]``.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from deepalpha.config.schema import (
    CacheConfig,
    DecisionConfig,
    LLMProviderConfig,
    LLMUseConfig,
    PriceConfig,
    WeightsConfig,
)
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import AnswerRecord, DecisionEngine
from deepalpha.llm import LLMAnswer, LLMProvider, Usage

AGENTS = ("technical", "pattern", "trend", "risk", "news")
SYMBOLS = ("BTC/USD", "ETH/USD")
H = 3_600_000
#: The seed configuration's provider weights.
SEED = {"openai": 0.4, "anthropic": 0.3, "deepseek": 0.3}


class InstantLLM(LLMProvider):
    """Answers at once, with token usage; adds up the time spent inside ``decide``."""

    def __init__(self, name: str, action: Action) -> None:
        self.name = name
        self.model = f"instant-{name}"
        self.action = action
        self.seconds = 0.0

    def params(self):
        return {"temperature": 0.0}

    def decide(self, system, prompt):
        t0 = time.perf_counter()
        answer = LLMAnswer(self.action, 0.7, "instant", usage=Usage(1, 600, 40))
        self.seconds += time.perf_counter() - t0
        return answer


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


def _signals(bars: list[Bar], seed: int = 11) -> list[list[Signal]]:
    """Five agents' signals per bar, the vote alternating buy / sell on each symbol."""
    rng = random.Random(seed)
    out = []
    for k, bar in enumerate(bars):
        d = Direction.LONG if (k // len(SYMBOLS)) % 2 == 0 else Direction.SHORT
        out.append(
            [
                Signal(a, bar.symbol, bar.ts, d, round(rng.uniform(0.5, 1), 2), 0.8, "r")
                for a in AGENTS
            ]
        )
    return out


def _positions(bars: list[Bar]) -> list[int]:
    # Flat before a buy, long before a sell: every bar is a decision point.
    return [(i // len(SYMBOLS)) % 2 for i in range(len(bars))]


def _configs(names) -> dict[str, LLMProviderConfig]:
    return {
        n: LLMProviderConfig(
            provider=n,
            weight=SEED.get(n, 1.0),
            price=PriceConfig(input=1.0, output=5.0),
            failure_threshold=3,
        )
        for n in names
    }


def _engine(
    providers: Mapping[str, LLMProvider],
    record: AnswerRecord,
    *,
    store=None,
    remember: bool = True,
    combine: str = "vote",
) -> DecisionEngine:
    cfg = DecisionConfig(
        weights=WeightsConfig(enabled=True),
        cache=CacheConfig(ttl=0),
        llm=LLMUseConfig(providers=tuple(providers), combine=combine, record=remember),
    )
    return DecisionEngine(
        cfg,
        {a: 1.0 for a in AGENTS},
        dict(providers),
        record,
        provider_configs=_configs(providers),
        ledger=store,
        run_id="bench",
    )


def _time(engine: DecisionEngine, bars, signals, positions) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, decision points) of one pass."""
    decide = engine.decide
    points = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for bar, sigs, pos in zip(bars, signals, positions, strict=True):
        if decide(bar, sigs, pos) is not None:
            points += 1
    engine.governor.flush()  # the last ledger rows belong to this pass
    return time.perf_counter() - wall, time.process_time() - cpu, points


def _instant(names) -> dict[str, InstantLLM]:
    actions = (Action.SELL, Action.BUY, Action.BUY)
    return {n: InstantLLM(n, actions[i % 3]) for i, n in enumerate(names)}


@contextlib.contextmanager
def _store():
    from deepalpha.storage import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            yield store
        finally:
            store.close()


def overhead(repeat: int, n: int) -> list[tuple[str, float, float, str]]:
    """Rows (label, wall us, CPU us, note) of parts 1 and 2."""
    bars = _bars(n // len(SYMBOLS))
    signals, positions = _signals(bars), _positions(bars)
    rows = []

    def best(make) -> tuple[float, float, int, float]:
        """Best wall and CPU of ``repeat`` passes, points, and the providers' own seconds."""
        runs = []
        for _ in range(repeat):
            engine, providers = make()
            wall, cpu, points = _time(engine, bars, signals, positions)
            own = sum(p.seconds for p in providers.values())
            engine.close()
            runs.append((wall - own, cpu - own, points, own))
        wall = min(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        return wall, cpu, runs[0][2], min(r[3] for r in runs)

    def plain():
        return _engine({}, AnswerRecord(None)), {}

    wall, cpu, points, _ = best(plain)
    base_wall, base_cpu = wall / points, cpu / points
    rows.append(("decision point, no model", base_wall * 1e6, base_cpu * 1e6, f"{points} points"))

    cases = [
        ("1 provider", ("openai",), False),
        ("3 providers, vote", tuple(SEED), False),
        ("3 providers, vote, SQLite record + ledger", tuple(SEED), True),
    ]
    for label, names, with_store in cases:

        def calling(names=names, with_store=with_store):
            providers = _instant(names)
            if not with_store:
                return _engine(providers, AnswerRecord(None)), providers
            stack = contextlib.ExitStack()
            store = stack.enter_context(_store())
            engine = _engine(providers, AnswerRecord(store), store=store)
            closing = engine.close

            def close():
                closing()
                stack.close()

            engine.close = close
            return engine, providers

        # Model time excluded: every point is a new prompt, so a real call each time.
        wall, cpu, points, own = best(calling)
        rows.append(
            (
                f"LLM decision, {label}",
                wall / points * 1e6,
                cpu / points * 1e6,
                f"model time {own / points * 1e6:.1f} us taken off; "
                f"+{(wall / points - base_wall) * 1e6:.0f} us over no model",
            )
        )

    # Replays: warm a record once, then every point of a new engine replays from it.
    for label, names, with_store in cases:
        with contextlib.ExitStack() as stack:
            store = stack.enter_context(_store()) if with_store else None
            record = AnswerRecord(store)
            warm = _engine(_instant(names), record, store=store)
            _time(warm, bars, signals, positions)
            warm.close()
            if store is not None:
                record = AnswerRecord(store)  # a new run: the answers come from the store
                for name, provider in _instant(names).items():
                    record.preload(name, provider.model)  # once per run, outside the timing

            def replaying(names=names, record=record, store=store):
                providers = _instant(names)
                return _engine(providers, record, store=store), providers

            wall, cpu, points, own = best(replaying)
            assert own == 0.0, "a replaying pass called a model"
            rows.append(
                (
                    f"replayed, {label}",
                    wall / points * 1e6,
                    cpu / points * 1e6,
                    f"+{(wall / points - base_wall) * 1e6:.1f} us over no model",
                )
            )
    return rows


def store_parts(n: int = 200) -> list[tuple[str, float]]:
    """Wall microseconds of the store calls a model call makes: the record lookup that misses,
    recording an answer, the ledger rows of one decision (one commit each)."""
    from deepalpha.engine.decision import SYSTEM_PROMPT

    prompt = "x" * 700  # about the size of a decision prompt
    params = {"temperature": 0.0}
    with _store() as store:
        keys = [store.llm_key("p", "m", SYSTEM_PROMPT, f"{prompt} {i}", params) for i in range(n)]
        t = time.perf_counter()
        for k in keys:
            store.llm_get(k)
        miss = (time.perf_counter() - t) / n
        answer = {"action": "buy", "confidence": 0.5, "rationale": "r"}
        t = time.perf_counter()
        for i, k in enumerate(keys):
            store.llm_put(
                k,
                "p",
                "m",
                SYSTEM_PROMPT,
                f"{prompt} {i}",
                answer,
                params=params,
                raw="{}",
                input_tokens=600,
                output_tokens=40,
                cost_usd=0.001,
                latency_ms=1.0,
            )
        put = (time.perf_counter() - t) / n
        row = {
            "run_id": "bench",
            "ts": 1,
            "provider": "p",
            "model": "m",
            "ok": True,
            "attempts": 1,
            "input_tokens": 600,
            "output_tokens": 40,
            "cost_usd": 0.001,
            "latency_ms": 1.0,
            "error": None,
        }
        t = time.perf_counter()
        for _ in range(n):
            store.record_llm_usage([row] * 3)
        ledger = (time.perf_counter() - t) / n
        t = time.perf_counter()
        for i in range(n):
            store.llm_key("p", "m", SYSTEM_PROMPT, f"{prompt} {i}", params)
        key = (time.perf_counter() - t) / n
    return [
        ("record key (sha256 of the question)", key * 1e6),
        ("record lookup that misses (llm_get)", miss * 1e6),
        ("record an answer (llm_put, one commit)", put * 1e6),
        ("ledger rows of a 3-provider decision", ledger * 1e6),
    ]


def concurrency(latencies: tuple[float, ...], points: int) -> dict[str, float]:
    """Wall seconds per decision: each real provider alone against its loopback server, and the
    three voting; servers answer after ``latencies`` (openai, anthropic, deepseek)."""
    from deepalpha_llm_anthropic import testing as claude
    from deepalpha_llm_anthropic.options import AnthropicOptions
    from deepalpha_llm_anthropic.provider import AnthropicProvider
    from deepalpha_llm_deepseek.options import DeepSeekOptions
    from deepalpha_llm_deepseek.provider import DeepSeekProvider
    from deepalpha_llm_openai import testing as chat
    from deepalpha_llm_openai.options import OpenAIOptions
    from deepalpha_llm_openai.provider import OpenAIProvider

    class Always:
        """A reply queue that never runs dry."""

        def __init__(self, reply) -> None:
            self.reply = reply

        def __bool__(self) -> bool:
            return True

        def popleft(self):
            return self.reply

    import socketserver

    # The stdlib server writes headers and body in two segments; with Nagle's algorithm and the
    # client's delayed ACK every answer would wait ~40 ms more, which no real API server adds.
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    bars = _bars(points + 1)
    signals, positions = _signals(bars), _positions(bars)
    out = {}
    with contextlib.ExitStack() as stack:
        servers = {
            "openai": stack.enter_context(chat.serve_chat()),
            "anthropic": stack.enter_context(claude.serve_messages()),
            "deepseek": stack.enter_context(chat.serve_chat()),
        }
        for (name, server), latency in zip(servers.items(), latencies, strict=True):
            if name == "anthropic":
                reply = claude.decision("buy", 0.5, "r", tokens=(600, 40))
            else:
                reply = chat.decision("buy", 0.5, "r", prompt_tokens=600, completion_tokens=40)
            reply.stall_s = latency
            server.replies = Always(reply)

        def build() -> dict[str, LLMProvider]:
            return {
                "openai": OpenAIProvider(
                    OpenAIOptions(base_url=servers["openai"].base_url, max_retries=0)
                ),
                "anthropic": AnthropicProvider(
                    AnthropicOptions(
                        base_url=servers["anthropic"].base_url, api_key=claude.SECRET, max_retries=0
                    )
                ),
                "deepseek": DeepSeekProvider(
                    DeepSeekOptions(base_url=servers["deepseek"].base_url, max_retries=0)
                ),
            }

        def per_decision(providers: dict[str, LLMProvider]) -> float:
            engine = _engine(providers, AnswerRecord(None), remember=False)
            # The first point warms the clients (imports, connections); not timed.
            n = len(SYMBOLS)
            _time(engine, bars[:n], signals[:n], positions[:n])
            wall, _, done = _time(engine, bars[n:], signals[n:], positions[n:])
            assert engine.stats["llm_failures"] == 0, engine.stats
            engine.close()
            return wall / done

        providers = build()
        try:
            for name in servers:
                out[name] = per_decision({name: providers[name]})
            out["vote"] = per_decision(providers)
        finally:
            for provider in providers.values():
                provider.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--points", type=int, default=2_000, help="decision points, parts 1-2")
    parser.add_argument("--latency", default="100,200,300", help="server latencies in ms")
    parser.add_argument("--calls", type=int, default=5, help="decisions timed per case, part 3")
    args = parser.parse_args()
    latencies = tuple(float(x) / 1000 for x in args.latency.split(","))

    rows = overhead(args.repeat, args.points)
    print(f"LLM governance, {args.points} decision points x 5 agents, best of {args.repeat}")
    width = max(len(r[0]) for r in rows)
    print(f"  {''.ljust(width)}  {'wall':>10}  {'CPU':>10}")
    for label, wall, cpu, note in rows:
        print(f"  {label.ljust(width)}  {wall:7.1f} us  {cpu:7.1f} us  ({note})")
    base = rows[0][1]
    calls = {r[0]: r[1] for r in rows if r[0].startswith("LLM decision")}
    memory = max(v for k, v in calls.items() if "SQLite" not in k)
    sqlite = max(v for k, v in calls.items() if "SQLite" in k)
    print(
        f"  target < 1 ms per LLM decision, model excluded: "
        f"{'met' if memory < 1000 else 'NOT met'} in process ({memory:.0f} us at most); "
        f"{'met' if sqlite < 1000 else 'NOT met'} with the SQLite store ({sqlite:.0f} us)"
    )
    per_answer = max(
        (r[1] - base) / (1 if r[0].endswith("1 provider") else 3)
        for r in rows
        if r[0].startswith("replayed")
    )
    print(
        f"  target < 50 us per replayed answer: {'met' if per_answer < 50 else 'NOT met'} "
        f"({per_answer:.1f} us at most per answer over a decision point without a model)"
    )
    print("  the SQLite store's share, per operation (wall):")
    for label, us in store_parts():
        print(f"    {label:<44} {us:7.1f} us")

    walls = concurrency(latencies, args.calls)
    alone = {n: walls[n] for n in SEED}
    total, slowest = sum(alone.values()), max(alone.values())
    ms = "/".join(f"{x * 1000:g}" for x in latencies)
    print(
        f"\nconcurrent providers: openai, anthropic, deepseek against loopback servers answering "
        f"after {ms} ms, {args.calls} decisions each"
    )
    for name, wall in alone.items():
        print(f"  {name:<10} alone      {wall * 1000:7.1f} ms per decision")
    print(f"  sum of the three       {total * 1000:7.1f} ms")
    print(f"  slowest alone          {slowest * 1000:7.1f} ms")
    print(f"  vote (concurrent)      {walls['vote'] * 1000:7.1f} ms per decision")
    ratio = walls["vote"] / slowest
    print(
        f"  target ~ slowest: {'met' if ratio < 1.15 else 'NOT met'} "
        f"(vote / slowest = {ratio:.2f}; vote / sum = {walls['vote'] / total:.2f})"
    )


if __name__ == "__main__":
    main()
