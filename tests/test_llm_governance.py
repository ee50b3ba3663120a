"""LLM governance end to end: the real openai, anthropic and deepseek providers, each against a
loopback server speaking its wire format (token usage in every answer), through the full runner on
two symbols with the seed's provider weights (0.4 / 0.3 / 0.3).

The issue's "done when": the run votes with the seed's weights, fails over when one provider is
down, stops at its budget, and a rerun replays every answer at $0 with bit-identical results.
Every expected figure (vote scores, dollars, request counts) is computed here from what the
servers were told to answer, not read back from the engine.
"""

from __future__ import annotations

import contextlib
import socketserver
import types
from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import pytest
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.config import load_config
from deepalpha.domain import Direction, Signal
from deepalpha.engine.runner import run
from deepalpha.plugins import load_plugins
from deepalpha.records import AgentSpec
from deepalpha.storage import Store
from deepalpha.testing import random_walk_bars
from deepalpha_llm_anthropic import testing as claude
from deepalpha_llm_openai import testing as chat

#: The agents the default configuration enables; switched off here (one scripted agent decides).
DEFAULT_AGENTS = ("technical", "pattern", "trend", "risk", "news")
SYMBOLS = ("TEST/USD", "TWO/USD")
BARS = 120  # per symbol
FLIP = 10  # bars between the agent's changes of mind
PROVIDERS = ("openai", "anthropic", "deepseek")
#: The seed configuration's weights.
WEIGHTS = {"openai": 0.4, "anthropic": 0.3, "deepseek": 0.3}
#: US dollars per million tokens, configured (the loopback models have no known price).
PRICES = {
    "openai": (0.15, 0.60),
    "anthropic": (1.00, 5.00),
    "deepseek": (0.27, 1.10),
}
#: (input, output) tokens each server reports per answer.
TOKENS = {"openai": (1000, 100), "anthropic": (1200, 80), "deepseek": (900, 60)}
#: What each server answers: (action, confidence).
ANSWERS = {"openai": ("sell", 1.0), "anthropic": ("buy", 0.5), "deepseek": ("buy", 1.0)}
SIGN = {"buy": 1, "sell": -1, "hold": 0}
FAILURE_THRESHOLD = 2
DOWN_RETRIES = 1  # the down provider's own retries per decide


def cost(name: str) -> float:
    """Dollars of one answered call of ``name``: tokens x configured price."""
    (tin, tout), (pin, pout) = TOKENS[name], PRICES[name]
    return (tin * pin + tout * pout) / 1e6


class Always:
    """Stands in for a server's reply queue: the same reply to every request."""

    def __init__(self, reply) -> None:
        self.reply = reply

    def __bool__(self) -> bool:
        return True

    def popleft(self):
        return self.reply


def _answer(name: str):
    action, confidence = ANSWERS[name]
    tin, tout = TOKENS[name]
    if name == "anthropic":
        return claude.decision(action, confidence, f"{name} says {action}", tokens=(tin, tout))
    return chat.decision(
        action, confidence, f"{name} says {action}", prompt_tokens=tin, completion_tokens=tout
    )


def _unavailable(name: str):
    """503 every time; the retry hint is short so the provider's own retry does not wait."""
    if name == "anthropic":
        return claude.error(503, "api_error", "down", headers={"retry-after": "0"})
    return chat.error(503, "down", headers={"retry-after-ms": "1"})


@attrs.define
class Servers:
    """The three loopback servers by provider name, and a closed port (a stopped server)."""

    by_name: dict
    stopped_url: str

    def answer(self, down: str | None = None) -> None:
        for name, server in self.by_name.items():
            server.replies = Always(_unavailable(name) if name == down else _answer(name))

    def counts(self) -> dict[str, int]:
        return {name: len(server.requests) for name, server in self.by_name.items()}


@pytest.fixture
def servers(monkeypatch) -> Iterator[Servers]:
    # The stdlib server writes headers and body apart: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK add ~40 ms to every answer (a test server's artefact).
    monkeypatch.setattr(socketserver.StreamRequestHandler, "disable_nagle_algorithm", True)
    with chat.serve_chat() as gone:
        stopped_url = gone.base_url  # the port is closed once the block ends
    with contextlib.ExitStack() as stack:
        by_name = {
            "openai": stack.enter_context(chat.serve_chat()),
            "anthropic": stack.enter_context(claude.serve_messages()),
            "deepseek": stack.enter_context(chat.serve_chat()),
        }
        state = Servers(by_name, stopped_url)
        state.answer()
        yield state
        _check_with_sdks(state)


def _check_with_sdks(state: Servers) -> None:
    """Every request the servers received is a valid request by the official SDKs' types."""
    from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
    from pydantic import TypeAdapter

    kinds = {
        "openai": TypeAdapter(CompletionCreateParamsNonStreaming),
        "anthropic": TypeAdapter(MessageCreateParamsNonStreaming),
        "deepseek": TypeAdapter(CompletionCreateParamsNonStreaming),
    }
    for name, server in state.by_name.items():
        for request in server.requests:
            kinds[name].validate_python(request.body)


class Alternating(Agent):
    """Long for ``FLIP`` bars, then short for ``FLIP``: a decision point at every change."""

    def __init__(self) -> None:
        self.seen = 0

    def reset(self) -> None:
        self.seen = 0

    def on_bar(self, bar, history):
        self.seen += 1
        direction = Direction.LONG if (self.seen // FLIP) % 2 == 0 else Direction.SHORT
        return Signal("alt", bar.symbol, bar.ts, direction, 1.0, 1.0, "alternating")


@pytest.fixture(scope="module")
def plugins():
    plugin = types.SimpleNamespace(
        register_agents=hookimpl(lambda: [AgentSpec(name="alt", factory=Alternating)])
    )
    return load_plugins(extra=[("governance-test", plugin)], allow=None)


@pytest.fixture(scope="module")
def datadir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("candles")
    for i, symbol in enumerate(SYMBOLS):
        lines = ["timestamp,open,high,low,close,volume"]
        for b in random_walk_bars(BARS, symbol=symbol, seed=21 + i):
            when = datetime.fromtimestamp(b.ts / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            lines.append(f"{when},{b.open!r},{b.high!r},{b.low!r},{b.close!r},{b.volume!r}")
        (folder / f"{symbol.replace('/', '_')}-1h.csv").write_text("\n".join(lines) + "\n")
    return folder


def _providers(servers: Servers, stopped: str | None = None) -> dict:
    """``llm_providers``: the seed's weights, configured prices, fast retries, a small breaker."""

    def url(name: str, base: str) -> str:
        return servers.stopped_url if name == stopped else base

    common = {"failure_threshold": FAILURE_THRESHOLD, "cooldown_s": 3600.0, "timeout_s": 20.0}
    fast = {"timeout_s": 5.0, "max_retries": DOWN_RETRIES}
    out = {
        "openai": {
            "provider": "openai",
            "options": {"base_url": url("openai", servers.by_name["openai"].base_url), **fast},
        },
        "anthropic": {
            "provider": "anthropic",
            "options": {
                "base_url": url("anthropic", servers.by_name["anthropic"].base_url),
                "api_key": claude.SECRET,
                "max_retry_wait_s": 0.01,
                **fast,
            },
        },
        "deepseek": {
            "provider": "deepseek",
            "options": {
                "base_url": url("deepseek", servers.by_name["deepseek"].base_url),
                "empty_retries": 0,
                **fast,
            },
        },
    }
    for name, entry in out.items():
        pin, pout = PRICES[name]
        entry.update(weight=WEIGHTS[name], price={"input": pin, "output": pout}, **common)
    return out


def _config(where, servers: Servers, *, stopped=None, combine="vote", budget=None):
    llm = {
        "providers": list(PROVIDERS),
        "combine": combine,
        "role": "voter",
        "weight": 0.5,
        "consult": "on_change",
    }
    if budget is not None:
        llm["budget"] = {"per_run_usd": budget}
    return load_config(
        None,
        overrides={
            "storage": {"url": where.url},
            "market": {
                "symbols": list(SYMBOLS),
                "options": {"path": None, "datadir": str(where.datadir)},
            },
            "agents": {
                **{n: {"enabled": False} for n in DEFAULT_AGENTS},
                "alt": {"weight": 1.0},
            },
            "llm_providers": _providers(servers, stopped),
            # No decision cache: every decision point asks (or replays) the models.
            "decision": {"llm": llm, "cache": {"ttl": 0}, "min_confidence": 0.0},
            "app": {"report_dir": str(where.path / "reports")},
        },
    )


@pytest.fixture
def where(tmp_path, datadir):
    """A run's folder (its SQLite store) and the candles it reads."""
    return types.SimpleNamespace(path=tmp_path, datadir=datadir, url=f"sqlite:///{tmp_path}/t.db")


def _run(cfg, plugins):
    result = run(cfg, "backtest", plugins=plugins, report=False)
    with Store.open(cfg.storage.url) as store:
        decisions = store.decisions(result.run_id)
        fills = store.fills(result.run_id)
    return result, decisions, fills


def _asked(decisions):
    """The decisions that consulted the models, in order."""
    return [d for d in decisions if (d.explanation or {}).get("llm")]


def _weighted(names) -> float:
    """The providers' vote computed here: sum(weight x sign x confidence) / sum(weight)."""
    total = sum(WEIGHTS[n] * SIGN[ANSWERS[n][0]] * ANSWERS[n][1] for n in names)
    return total / sum(WEIGHTS[n] for n in names)


# -- votes with the seed's weights -----------------------------------------------------------


def test_providers_vote_with_the_seed_weights(where, servers, plugins) -> None:
    result, decisions, fills = _run(_config(where, servers), plugins)

    asked = _asked(decisions)
    assert len(asked) >= 8 and {d.symbol for d in asked} == set(SYMBOLS)
    expected = _weighted(PROVIDERS)  # 0.4 x -1 + 0.3 x 0.5 + 0.3 x 1 = 0.05
    assert expected == pytest.approx(0.05)
    for d in asked:
        llm = d.explanation["llm"]
        assert llm["unavailable"] == []
        assert [a["provider"] for a in llm["answers"]] == list(PROVIDERS)
        assert {a["provider"]: a["weight"] for a in llm["answers"]} == WEIGHTS
        assert {a["provider"]: (a["action"], a["confidence"]) for a in llm["answers"]} == ANSWERS
        assert llm["score"] == pytest.approx(expected, abs=1e-12)
        # The agents' vote and the providers' vote combine with decision.llm.weight (0.5).
        aw, score = llm["agent_weight"], d.explanation["vote"]["score"]
        combined = (aw * score + 0.5 * expected) / (aw + 0.5)
        assert d.explanation["combined"]["score"] == pytest.approx(combined, abs=1e-12)
        assert d.source == "llm:openai,anthropic,deepseek"
        # Per decision: three calls, their tokens and the dollars the configured prices give.
        usage = llm["usage"]
        assert usage["calls"] == 3
        assert usage["input_tokens"] == sum(TOKENS[n][0] for n in PROVIDERS)
        assert usage["cost_usd"] == pytest.approx(sum(cost(n) for n in PROVIDERS))
    assert fills, "the combined vote should still trade"

    # Every server was asked once per decision point, and the run's accounting adds up.
    points = len(asked)
    assert servers.counts() == {n: points for n in PROVIDERS}
    stats = result.stats
    assert (stats["llm_calls"], stats["llm_failures"], stats["llm_replayed"]) == (3 * points, 0, 0)
    assert stats["llm_input_tokens"] == points * sum(TOKENS[n][0] for n in PROVIDERS)
    assert stats["llm_output_tokens"] == points * sum(TOKENS[n][1] for n in PROVIDERS)
    assert stats["llm_cost_usd"] == pytest.approx(points * sum(cost(n) for n in PROVIDERS))
    for name in PROVIDERS:
        totals = result.llm[name]
        assert (totals["calls"], totals["weight"]) == (points, WEIGHTS[name])
        assert totals["cost_usd"] == pytest.approx(points * cost(name))
    assert result.budget_stop is None


# -- fails over when one is down -------------------------------------------------------------


def test_a_provider_answering_503_is_voted_without_and_its_breaker_opens(
    where, servers, plugins
) -> None:
    servers.answer(down="openai")
    result, decisions, _ = _run(_config(where, servers), plugins)

    asked = _asked(decisions)
    assert len(asked) > FAILURE_THRESHOLD + 2
    expected = _weighted(("anthropic", "deepseek"))  # (0.3 x 0.5 + 0.3 x 1) / 0.6 = 0.75
    for i, d in enumerate(asked):
        llm = d.explanation["llm"]
        assert [a["provider"] for a in llm["answers"]] == ["anthropic", "deepseek"]
        assert llm["score"] == pytest.approx(expected, abs=1e-12)
        [gone] = llm["unavailable"]
        assert gone["provider"] == "openai"
        if i < FAILURE_THRESHOLD:
            assert gone["reason"].startswith("failed (") and "503" in gone["reason"]
            assert gone["attempts"] == 1 + DOWN_RETRIES
        else:  # the breaker is open: openai is no longer called
            assert gone["reason"].startswith("circuit open after 2 consecutive failures")
            assert gone["attempts"] == 0
    counts = servers.counts()
    assert counts["openai"] == FAILURE_THRESHOLD * (1 + DOWN_RETRIES)
    assert counts["anthropic"] == counts["deepseek"] == len(asked)
    stats = result.stats
    assert stats["llm_failures"] == FAILURE_THRESHOLD
    assert stats["llm_skipped"] == len(asked) - FAILURE_THRESHOLD
    assert stats["llm_calls"] == 2 * len(asked)
    assert result.llm["openai"]["failures"] == FAILURE_THRESHOLD
    assert result.llm["openai"]["cost_usd"] == 0.0  # 503s report no tokens


def test_failover_asks_the_next_provider_in_order_when_the_first_is_stopped(
    where, servers, plugins
) -> None:
    cfg = _config(where, servers, stopped="openai", combine="failover")
    result, decisions, fills = _run(cfg, plugins)

    asked = _asked(decisions)
    assert len(asked) > FAILURE_THRESHOLD + 2
    expected = _weighted(("anthropic",))  # anthropic alone: buy 0.5
    for i, d in enumerate(asked):
        llm = d.explanation["llm"]
        assert llm["combine"] == "failover"
        # anthropic answers; deepseek, after it in the order, is never asked.
        assert [a["provider"] for a in llm["answers"]] == ["anthropic"]
        assert llm["score"] == pytest.approx(expected, abs=1e-12)
        [gone] = llm["unavailable"]
        assert gone["provider"] == "openai"
        closed = "circuit open" if i >= FAILURE_THRESHOLD else "failed (LLMError"
        assert gone["reason"].startswith(closed), gone["reason"]
        assert d.source == "llm:anthropic"
    counts = servers.counts()
    assert counts == {"openai": 0, "anthropic": len(asked), "deepseek": 0}
    assert result.stats["llm_calls"] == len(asked)
    assert result.stats["llm_failures"] == FAILURE_THRESHOLD
    assert fills


def test_failover_uses_the_first_provider_while_it_answers(where, servers, plugins) -> None:
    result, decisions, _ = _run(_config(where, servers, combine="failover"), plugins)
    asked = _asked(decisions)
    assert asked and result.stats["llm_calls"] == len(asked)
    for d in asked:
        llm = d.explanation["llm"]
        assert [a["provider"] for a in llm["answers"]] == ["openai"]
        assert llm["unavailable"] == [] and llm["score"] == -1.0
    assert servers.counts() == {"openai": len(asked), "anthropic": 0, "deepseek": 0}


# -- stops at its budget ---------------------------------------------------------------------


def test_the_run_stops_calling_at_its_budget_and_holds(where, servers, plugins) -> None:
    per_point = sum(cost(n) for n in PROVIDERS)
    n = 3
    # Room for n decisions' calls, and less than any provider's next call after them: a call is
    # made only while spent + that provider's mean cost stays within the budget.
    budget = n * per_point + min(cost(p) for p in PROVIDERS) / 2
    result, decisions, _ = _run(_config(where, servers, budget=budget), plugins)

    assert servers.counts() == {p: n for p in PROVIDERS}
    assert result.budget_stop is not None and result.budget_stop.startswith(
        f"run budget ${budget:g} reached"
    )
    stats = result.stats
    assert stats["llm_calls"] == 3 * n
    assert stats["llm_cost_usd"] == pytest.approx(n * per_point)
    assert stats["llm_cost_usd"] <= budget
    asked = _asked(decisions)
    assert len(asked) > n + 2
    for d in asked[:n]:
        assert len(d.explanation["llm"]["answers"]) == 3
    for d in asked[n:]:  # after the stop: nothing asked, every decision holds
        llm = d.explanation["llm"]
        assert llm["answers"] == [] and d.action.value == "hold"
        assert d.explanation["outcome"] == "llm_failed"
        assert [u["provider"] for u in llm["unavailable"]] == list(PROVIDERS)
        assert all(u["reason"].startswith("not asked: run budget") for u in llm["unavailable"])
        assert llm["usage"]["cost_usd"] == 0.0
    assert stats["llm_skipped"] == 3 * (len(asked) - n)
    with Store.open(where.url) as store:
        ledger = store.llm_usage(run_id=result.run_id)
    assert sum(row["calls"] for row in ledger) == 3 * n
    assert sum(row["cost_usd"] for row in ledger) == pytest.approx(n * per_point)


# -- replays at $0 ---------------------------------------------------------------------------


def test_a_rerun_replays_every_answer_at_no_cost_and_is_bit_identical(
    where, servers, plugins
) -> None:
    cfg = _config(where, servers)
    first, decisions1, fills1 = _run(cfg, plugins)
    asked = len(_asked(decisions1))
    assert asked and first.stats["llm_cost_usd"] > 0
    before = servers.counts()
    assert before == {p: asked for p in PROVIDERS}

    second, decisions2, fills2 = _run(cfg, plugins)

    assert servers.counts() == before  # no HTTP request at all
    stats = second.stats
    assert stats["llm_cost_usd"] == 0
    assert (stats["llm_calls"], stats["llm_replayed"]) == (0, 3 * asked)
    assert stats["llm_input_tokens"] == stats["llm_output_tokens"] == 0
    assert second.budget_stop is None
    for d in _asked(decisions2):
        assert all(a["replayed"] and a["cost_usd"] == 0.0 for a in d.explanation["llm"]["answers"])
    # Bit-identical: the same fills, trades and decisions; the same equity to the last bit.
    assert fills1 and _fills(fills2) == _fills(fills1)
    assert second.breakdown.trades == first.breakdown.trades
    assert second.summary == first.summary
    assert len(second.equity) == len(first.equity) == BARS  # one row per bar time
    assert (second.equity_ts == first.equity_ts).all()
    assert (second.equity == first.equity).all()
    assert second.equity.tobytes() == first.equity.tobytes()
    assert [(d.symbol, d.ts, d.action, d.confidence, d.source) for d in decisions2] == [
        (d.symbol, d.ts, d.action, d.confidence, d.source) for d in decisions1
    ]


def _fills(fills) -> list[tuple]:
    """Fills in everything but the ids each run gives its orders and fills."""
    return [(f.symbol, f.ts, f.side, f.quantity, f.price, f.fee) for f in fills]
