"""``deepalpha decisions list`` and ``show`` read stored decisions and their explanations."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from deepalpha.cli.main import build_cli
from deepalpha.config.schema import DecisionConfig, LLMUseConfig
from deepalpha.domain import Action, Bar, Direction, Signal
from deepalpha.engine.decision import DecisionEngine
from deepalpha.llm import LLMAnswer, LLMProvider
from deepalpha.storage import Store

BTC, ETH = "BTC/USD", "ETH/USD"
H = 3_600_000


class BuyLLM(LLMProvider):
    model = "tiny"

    def decide(self, system, prompt):
        return LLMAnswer(Action.BUY, 0.8, "looks cheap")


@pytest.fixture
def db(tmp_path):
    """A database with one run whose decisions cover two symbols, one of them LLM-voted."""
    url = f"sqlite:///{tmp_path}/d.db"
    cfg = DecisionConfig(llm=LLMUseConfig(providers=("smollm",), record=False))
    engine = DecisionEngine(cfg, {"technical": 1.0, "risk": 1.0}, {"smollm": BuyLLM()})
    decisions = []
    for i, (symbol, direction, position) in enumerate(
        [(BTC, -1, 1), (ETH, 1, 0), (ETH, -1, 1), (BTC, 1, 0)]
    ):
        signals = [
            Signal("technical", symbol, 0, Direction(direction), 0.8, 0.8, "EMA cross"),
            Signal("risk", symbol, 0, Direction(direction), 0.8, 1.0, "calm"),
        ]
        d = engine.decide(Bar(symbol, i * H, 1, 1, 1, 1, 1), signals, position)
        decisions.append(d)
    with Store.open(url) as store:
        run_id = store.start_run("paper", {}, [BTC, ETH])
        store.record_decisions(run_id, decisions)
    return url, run_id, decisions


def _cli(*args):
    result = CliRunner().invoke(build_cli(with_plugin_commands=False), list(args))
    return result


def test_list_shows_newest_first_with_rationales(db) -> None:
    url, run_id, decisions = db
    result = _cli("decisions", "list", "--db", url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "id",
        "run",
        "time",
        "(UTC)",
        "symbol",
        "action",
        "conf",
        "source",
        "rationale",
    ]
    assert [line.split()[0] for line in lines[1:]] == ["4", "3", "2", "1"]
    assert run_id[:8] in lines[1] and decisions[3].rationale in lines[1]
    # The LLM-voted sell (ETH exit) reads as a sell, saying how the LLM's buy counted.
    eth_sell = next(line for line in lines if line.startswith("3 "))
    assert " sell " in eth_sell and "outvote LLM smollm buy 0.80 (counted +0.800)" in eth_sell


def test_list_filters_and_json(db) -> None:
    url, run_id, decisions = db
    result = _cli(
        "decisions",
        "list",
        "--db",
        url,
        "--symbol",
        ETH,
        "--run",
        run_id[:8],
        "--limit",
        "1",
        "--json",
    )
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    d = decisions[2]
    assert record["id"] == 3 and record["run_id"] == run_id
    assert (record["symbol"], record["action"], record["rationale"]) == (
        ETH,
        d.action.value,
        d.rationale,
    )
    assert record["explanation"] == json.loads(json.dumps(d.explanation))
    assert _cli("decisions", "list", "--db", url, "--symbol", "XRP/USD").output == "no decisions\n"


def test_show_prints_the_explanation_step_by_step(db) -> None:
    url, run_id, decisions = db
    result = _cli("decisions", "show", "3", "--db", url)
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"decision 3 of run {run_id}" in out
    assert f"rationale: {decisions[2].rationale}" in out
    assert "steps:\n  1. 2 signal(s); weighted vote -0.720 <= -0.100 -> sell" in out
    assert "LLM smollm (tiny, asked): buy 0.80, counted +0.800 as voter at weight 0.50" in out
    assert "it said: looks cheap" in out
    assert "  technical  short" in out
    shown = json.loads(_cli("decisions", "show", "3", "--db", url, "--json").output)
    assert shown["explanation"]["llm"]["answers"][0]["rationale"] == "looks cheap"


def test_bad_input_is_one_line_and_exit_2(db, tmp_path) -> None:
    url, *_ = db
    cases = [
        (("decisions", "show", "99", "--db", url), "no decision with id 99"),
        (("decisions", "list", "--db", url, "--run", "zz"), "--run zz: no run with that id"),
        (("decisions", "list", "--db", f"sqlite:///{tmp_path}/none.db"), "no database at"),
        (("decisions", "list", "--db", "mysql://x/y"), "unsupported database URL"),
    ]
    for args, message in cases:
        result = _cli(*args)
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "none.db").exists()


def test_the_database_defaults_to_the_configured_storage_url(db, tmp_path) -> None:
    url, *_ = db
    config = tmp_path / "c.yaml"
    config.write_text(f"storage:\n  url: {url}\n", encoding="utf-8")
    result = _cli("decisions", "list", "-c", str(config), "--json")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.output)] == [4, 3, 2, 1]


def test_the_documented_rationale_is_the_one_the_engine_writes(db) -> None:
    """docs/configuration.md quotes this decision's rationale; keep the two in step."""
    from pathlib import Path

    _, _, decisions = db
    rationale = decisions[2].rationale
    assert rationale == (
        "sell 0.42: combined -0.416 <= -0.100: agents -0.720 (weight 2.00) outvote LLM smollm "
        "buy 0.80 (counted +0.800) at weight 0.50"
    )
    docs = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
    assert rationale in " ".join(docs.read_text(encoding="utf-8").split())
