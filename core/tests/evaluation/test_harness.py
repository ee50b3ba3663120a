"""``deepalpha eval`` end to end on real bundled hours, two symbols, with a deterministic LLM.

The bundled file holds BTC/USD only; a second symbol is a later stretch of the same hours laid on
the same clock (as ``tests/test_multi_symbol.py`` does), so the two move differently. The LLM is a
provider registered by an in-process test plugin that answers from a hash of the prompt: no model,
no network, and the same prompt always gets the same answer.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime

import numpy as np
import pytest
from click.testing import CliRunner
from deepalpha import hookimpl
from deepalpha.config import load_config
from deepalpha.domain import Action
from deepalpha.evaluation.harness import (
    AGENTS,
    BUY_HOLD,
    RANDOM,
    SUBJECT_LLM,
    EvalOptions,
    eval_plugins,
)
from deepalpha.evaluation.harness import evaluate as run_eval
from deepalpha.evaluation.report import render_html, write_outputs
from deepalpha.llm import LLMAnswer, LLMProvider, Usage
from deepalpha.plugins import get_plugin_manager
from deepalpha.records import LLMProviderSpec

N = 24 * 30  # 30 days of hours per symbol
SYMBOLS = ("BTC/USD", "XYZ/USD")


class HashLLM(LLMProvider):
    """Answers buy, sell or hold from a hash of the prompt; counts the calls it really served."""

    name = "hashed"
    model = "hashed-1"
    calls = 0

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        HashLLM.calls += 1
        action = (Action.BUY, Action.SELL, Action.HOLD)[zlib.crc32(prompt.encode()) % 3]
        return LLMAnswer(action, 0.9, "hashed", usage=Usage(1, 1000, 100))


class _Plugin:
    @staticmethod
    @hookimpl
    def register_llm_providers():
        return [LLMProviderSpec(name="hashed", factory=HashLLM, offline=True)]


EXTRA = [("test-hashed-llm", _Plugin)]


@pytest.fixture(scope="module")
def datadir(tmp_path_factory):
    spec = get_plugin_manager().resolve("data", "file")
    series = spec.build(spec.options(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    folder = tmp_path_factory.mktemp("candles")
    ts = np.asarray(series.ts)[:N]
    for name, lo in (("BTC_USD", 0), ("XYZ_USD", 9_000)):
        lines = ["timestamp,open,high,low,close,volume"]
        for i in range(N):
            when = datetime.fromtimestamp(int(ts[i]) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            row = [
                repr(float(getattr(series, k)[lo + i]))
                for k in ("open", "high", "low", "close", "volume")
            ]
            lines.append(",".join([when, *row]))
        (folder / f"{name}-1h.csv").write_text("\n".join(lines) + "\n")
    return folder


def _overrides(tmp_path, datadir, **decision) -> dict:
    return {
        "storage": {"url": f"sqlite:///{tmp_path}/eval.db"},
        "market": {"symbols": list(SYMBOLS), "options": {"path": None, "datadir": str(datadir)}},
        "agents": {
            "pattern": {"enabled": False},
            "risk": {"enabled": False},
            "news": {"enabled": False},
        },
        # The data run from 2017-07-01 11:00 for 30 days: 10-day windows every 5 days start at
        # midnight on 07-02, 07-07 (both before the cutoff), 07-12 and 07-17.
        "llm_providers": {
            "hashed": {
                "provider": "hashed",
                "cutoff": "2017-07-10",
                "price": {"input": 10.0, "output": 30.0},
            }
        },
        "decision": {"llm": {"providers": ["hashed"], **decision}},
        "app": {"report_dir": str(tmp_path / "reports")},
    }


def _config(tmp_path, datadir, **decision):
    return load_config(None, None, _overrides(tmp_path, datadir, **decision))


OPTIONS = EvalOptions(window="10d", step="5d", seeds=2, samples=300)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, datadir):
    tmp = tmp_path_factory.mktemp("eval")
    config = _config(tmp, datadir)
    plugins = eval_plugins(EXTRA)
    lines: list[str] = []
    HashLLM.calls = 0
    first = run_eval(config, OPTIONS, plugins=plugins, progress=lines.append)
    served = HashLLM.calls
    second = run_eval(config, OPTIONS, plugins=plugins)
    return first, second, served, HashLLM.calls - served, lines, tmp


def test_every_window_runs_the_subject_and_all_baselines(evaluated) -> None:
    first, _, _, _, lines, _ = evaluated
    assert first.subject == SUBJECT_LLM
    assert first.baselines == (AGENTS, RANDOM, BUY_HOLD)
    assert len(first.windows) == 4 and len(lines) == 4
    for w in first.windows:
        assert set(w.curves) == {SUBJECT_LLM, AGENTS, RANDOM, BUY_HOLD}
        assert set(w.tests) == {AGENTS, RANDOM, BUY_HOLD}
        assert all(0.0 < t.p_value <= 1.0 for t in w.tests.values())
        assert w.regime.label in ("up", "down", "sideways")
        lengths = {len(c.equity) for c in w.curves.values()}
        assert len(lengths) == 1, "all strategies are compared on the same bars"


def test_windows_before_the_cutoff_are_reported_apart(evaluated) -> None:
    first = evaluated[0]
    assert [w.group for w in first.windows] == ["exposed"] * 2 + ["clear"] * 2
    assert first.windows[0].exposures[0] == "hashed (model unknown, training cutoff 2017-07-10)"
    assert set(first.groups) == {"all", "exposed", "clear"}
    assert first.groups["exposed"].windows == 2 and first.groups["clear"].windows == 2


def test_the_random_baseline_trades_at_about_the_subjects_rate(evaluated) -> None:
    first = evaluated[0]
    subject = sum(w.curves[SUBJECT_LLM].metrics["fills"] for w in first.windows)
    rnd = sum(w.curves[RANDOM].metrics["fills"] for w in first.windows)
    assert subject > 0
    assert subject / 3 < rnd < subject * 3
    assert all(w.curves[RANDOM].metrics["seeds"] == 2 for w in first.windows)


def test_llm_spend_is_a_cost_taken_from_the_return(evaluated) -> None:
    first = evaluated[0]
    # 1,000 tokens in at $10/M and 100 out at $30/M: $0.013 a call, every window pays.
    assert all(w.llm["cost_usd"] == pytest.approx(0.013 * w.llm["calls"]) for w in first.windows)
    assert all(w.llm["calls"] > 0 for w in first.windows)
    for w in first.windows:
        m = w.curves[SUBJECT_LLM].metrics
        assert m["llm_cost"] == w.llm["cost_usd"]
        assert m["cost"] == pytest.approx(m["fees"] + m["llm_cost"])
        assert w.curves[AGENTS].metrics["llm_cost"] == 0.0


def test_a_repeated_evaluation_replays_the_recorded_answers(evaluated) -> None:
    first, second, served, again, _, _ = evaluated
    assert served > 0 and again == 0, "the second evaluation asked the model again"
    assert sum(w.llm["replayed"] for w in second.windows) > 0
    assert all(w.llm["cost_usd"] == 0.0 for w in second.windows)
    for a, b in zip(first.windows, second.windows, strict=True):
        for name in (AGENTS, RANDOM, BUY_HOLD):
            assert a.curves[name].metrics == b.curves[name].metrics


def test_json_and_html_outputs(evaluated) -> None:
    first, *_, tmp = evaluated
    json_path, html_path = write_outputs(first, tmp / "out")
    data = json.loads(json_path.read_text())
    assert data["subject"] == SUBJECT_LLM
    assert len(data["windows"]) == 4
    assert set(data["groups"]) == {"all", "exposed", "clear"}
    assert set(data["regimes"]) == {"up", "down", "sideways"}
    assert data["windows"][0]["tests"]["buy_hold"]["p_value"] > 0
    page = html_path.read_text()
    for text in ("Walk-forward equity", "Significance", "By regime", "exposed", "clear"):
        assert text in page
    assert page == render_html(first)


def test_cutoff_guard_refuse_skips_exposed_windows(tmp_path, datadir) -> None:
    config = _config(tmp_path, datadir, cutoff_guard="refuse")
    lines: list[str] = []
    result = run_eval(
        config,
        EvalOptions(window="10d", step="5d", seeds=1, samples=100),
        plugins=eval_plugins(EXTRA),
        progress=lines.append,
    )
    assert [s.window.index for s in result.skipped] == [1, 2]
    assert "decision.llm.cutoff_guard: refuse" in result.skipped[0].reason
    assert "skipped" in lines[0]
    assert set(result.groups) == {"all", "clear"}


def test_exclude_exposed_with_every_window_exposed_is_a_user_error(tmp_path, datadir) -> None:
    from deepalpha.errors import UserError

    overrides = _overrides(tmp_path, datadir)
    overrides["llm_providers"]["hashed"]["cutoff"] = "2030-01-01"
    config = load_config(None, None, overrides)
    with pytest.raises(UserError, match=r"no window left to evaluate.*--exclude-exposed"):
        run_eval(
            config,
            EvalOptions(window="10d", step="10d", exclude_exposed=True),
            plugins=eval_plugins(EXTRA),
        )


def _cli(args, tmp_path, datadir):
    import yaml
    from deepalpha.cli.main import build_cli

    overrides = _overrides(tmp_path, datadir)
    overrides["decision"] = {"llm": {"providers": []}}
    del overrides["llm_providers"]
    path = tmp_path / "eval.yaml"
    path.write_text(yaml.safe_dump(overrides))
    return CliRunner().invoke(build_cli(), ["eval", "-c", str(path), *args])


def test_cli_writes_the_report_and_prints_the_tables(tmp_path, datadir) -> None:
    out = tmp_path / "out"
    result = _cli(
        [
            "--no-llm",
            "--window",
            "15d",
            "--step",
            "15d",
            "--seeds",
            "1",
            "--samples",
            "200",
            "--out",
            str(out),
        ],
        tmp_path,
        datadir,
    )
    assert result.exit_code == 0, result.output
    assert (out / "eval.json").exists() and (out / "eval.html").exists()
    assert "agents vs buy_hold" in result.output
    assert f"report: {out / 'eval.html'}" in result.output
    assert json.loads((out / "eval.json").read_text())["subject"] == AGENTS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "3x"], "Error: --window: '3x' is not a duration like 90d"),
        (["--step", "soon"], "Error: --step: 'soon' is not a duration like 90d"),
        (["--window", "90d"], "Error: --window: 90d is longer than the data (30.0 days"),
    ],
)
def test_cli_bad_inputs_are_one_line_errors(tmp_path, datadir, args, message) -> None:
    result = _cli(args, tmp_path, datadir)
    assert result.exit_code == 2
    assert result.output.startswith(message) or message in result.output
    assert "Traceback" not in result.output


def test_llm_spend_comes_out_of_equity_evenly_and_fully_by_the_last_bar() -> None:
    from deepalpha.evaluation.harness import _net_of_llm

    equity = np.array([1000.0, 1010.0, 1020.0, 1030.0, 1040.0])
    net = _net_of_llm(equity, 40.0)
    assert net.tolist() == [1000.0, 1000.0, 1000.0, 1000.0, 1000.0]
    assert _net_of_llm(equity, 0.0).tolist() == equity.tolist()
