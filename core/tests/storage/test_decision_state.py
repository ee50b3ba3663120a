"""The decision engine's persisted state (weights and memory per book) and stored explanations,
on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from deepalpha.config.schema import DecisionConfig, LLMUseConfig, MemoryConfig, WeightsConfig
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import DecisionEngine
from deepalpha.llm import LLMAnswer, LLMProvider
from deepalpha.storage import Store, connect, migrate

BTC, ETH = "BTC/USD", "ETH/USD"
H = 3_600_000


class EchoLLM(LLMProvider):
    model = "m"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def decide(self, system, prompt):
        self.prompts.append(prompt)
        return LLMAnswer(Action.BUY if "Weighted vote: buy" in prompt else Action.SELL, 0.9, "")


def _config(memory=4):
    return DecisionConfig(
        weights=WeightsConfig(horizon=1, half_life=3.0),
        memory=MemoryConfig(size=memory),
        llm=LLMUseConfig(providers=("echo",), memory=2, record=False),
    )


def _sig(agent, direction, symbol, strength=1.0):
    return Signal(agent, symbol, 0, Direction(direction), strength, 1.0, "r")


AGENTS = {"flip": 1.0, "trend": 1.0}


def _drive(engine, start, bars):
    """BTC rises and ETH falls. "flip" alternates long and short (right half of the time),
    "trend" mildly follows each symbol's trend (always right), so every bar on both symbols is a
    decision point (a buy while flat, then a sell while long) and the agents' accuracies differ
    per symbol."""
    out = []
    for i in range(start, start + bars):
        for symbol, close, trend in ((BTC, 100.0 + i, 1), (ETH, 200.0 - i, -1)):
            flip = 1 if i % 2 == 0 else -1
            signals = [_sig("flip", flip, symbol), _sig("trend", trend, symbol, 0.1)]
            bar = Bar(symbol, i * H, close, close, close, close, 1.0)
            d = engine.decide(bar, signals, 0 if flip > 0 else 1)
            if d is not None:
                out.append(d)
    return out


def test_weights_and_memory_survive_a_restart_of_the_same_book(store: Store) -> None:
    first = DecisionEngine(_config(), AGENTS, {"echo": EchoLLM()}, store=store, book="paper-a")
    _drive(first, 0, 12)
    first.save()
    weights, memory = first.agent_weights(), {s: first.memory(s) for s in (BTC, ETH)}
    assert len(memory[BTC]) == 4 and len(memory[ETH]) == 4
    assert weights[BTC]["flip"]["observations"] > 0
    assert weights[BTC]["flip"]["accuracy"] != weights[ETH]["flip"]["accuracy"]

    # A new engine of the same book starts where the first stopped ...
    llm = EchoLLM()
    second = DecisionEngine(_config(), AGENTS, {"echo": llm}, store=store, book="paper-a")
    assert second.agent_weights() == weights  # floats round-trip exactly (double precision)
    assert {s: second.memory(s) for s in (BTC, ETH)} == memory
    # ... and shows the restored memory to the model on its first decision point.
    _drive(second, 12, 1)
    last = memory[BTC][-1]
    assert f"({last.confidence:.2f})\nOptions" in llm.prompts[0]
    assert "Recent decisions:" in llm.prompts[0]

    # Another book, and an engine without one, start fresh.
    other = DecisionEngine(_config(), AGENTS, store=store, book="paper-b")
    assert other.agent_weights() == {} and other.memory(BTC) == []
    loose = DecisionEngine(_config(), AGENTS, store=store)
    assert loose.memory(BTC) == []
    loose.save()  # nothing to save without a book


def test_memory_is_trimmed_in_the_database(store: Store) -> None:
    engine = DecisionEngine(_config(memory=3), AGENTS, store=store, book="b")
    for start in range(0, 12, 3):
        _drive(engine, start, 3)
        engine.save()  # several saves: each trims to the newest 3 per symbol
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT symbol, COUNT(*) FROM decision_memory WHERE book = 'b' GROUP BY symbol")
        ).all()
    assert dict(rows) == {BTC: 3, ETH: 3}
    again = DecisionEngine(_config(memory=2), AGENTS, store=store, book="b")
    assert [m.ts for m in again.memory(BTC)] == [m.ts for m in engine.memory(BTC)][-2:]


def test_explanations_are_stored_and_listed(store: Store, run_id: str) -> None:
    engine = DecisionEngine(_config(), AGENTS, {"echo": EchoLLM()})
    decisions = _drive(engine, 0, 6)
    assert {d.symbol for d in decisions} == {BTC, ETH}
    store.record_decisions(run_id, decisions)
    assert store.decisions(run_id) == decisions  # explanations included, as JSON
    newest = store.decision_rows(run_id=run_id, limit=3)
    # Newest first: by bar time, then the later written (ETH after BTC at one timestamp).
    order = sorted(range(len(decisions)), key=lambda i: (decisions[i].ts, i), reverse=True)
    assert [r.decision for r in newest] == [decisions[i] for i in order[:3]]
    eth = store.decision_rows(symbol=ETH, limit=100)
    assert {r.decision.symbol for r in eth} == {ETH} and len(eth) == sum(
        d.symbol == ETH for d in decisions
    )
    one = store.decision_row(eth[0].id)
    assert one == eth[0] and one.run_id == run_id
    assert one.decision.explanation["action"] == one.decision.action.value
    assert store.decision_row(10**9) is None
    assert store.decision_rows(run_id="nope") == []


def test_decisions_written_before_revision_0002_read_without_explanation(db_url: str) -> None:
    engine = connect.create(connect.parse(db_url))
    try:
        with connect.writer(engine).begin() as conn:
            command.upgrade(migrate.config(conn), "0001")
            conn.execute(
                sa.text(
                    "INSERT INTO runs (id, mode, status, started_at, config, symbols) "
                    "VALUES ('r1', 'paper', 'finished', 1, '{}', '[]')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO decisions (run_id, symbol, ts, action, confidence, rationale, "
                    "source, signals) VALUES ('r1', 'BTC/USD', 5, 'buy', 0.5, 'old', 'vote', '[]')"
                )
            )
    finally:
        engine.dispose()
    with Store.open(db_url) as store:
        (old,) = store.decisions("r1")
        assert (old.rationale, old.explanation) == ("old", None)
