"""``deepalpha llm``: list, export, prune, usage and models, with one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from deepalpha.cli.main import build_cli
from deepalpha.storage import Store
from deepalpha.storage import tables as t

DAY = 86_400_000
PARAMS = {"temperature": 0.0, "seed": 7}


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def _cli(*args, input: str | None = None):
    return CliRunner().invoke(build_cli(with_plugin_commands=False), list(args), input=input)


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def _record(store: Store, provider, model, prompt, created_at, action="buy", **usage) -> str:
    params = usage.pop("params", None)
    key = store.llm_key(provider, model, "sys", prompt, params)
    answer = {"action": action, "confidence": 0.8, "rationale": f"because {prompt}"}
    store.llm_put(key, provider, model, "sys", prompt, answer, params=params, **usage)
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(t.llm_calls).where(t.llm_calls.c.key == key).values(created_at=created_at)
        )
    return key


@pytest.fixture
def db(tmp_path):
    """Three recorded answers of two providers and a ledger spanning a UTC midnight."""
    url = f"sqlite:///{tmp_path}/llm.db"
    with Store.open(url) as store:
        run_id = store.start_run("backtest", {}, ["BTC/USD"])
        keys = {
            "old": _record(store, "smollm", "SmolLM2", "old prompt", _ms("2024-01-10T08:00")),
            "gpt": _record(
                store,
                "openai",
                "gpt-4o-mini",
                "gpt prompt",
                _ms("2024-06-01T12:30"),
                params=PARAMS,
                raw='{"action":"buy","confidence":0.8}',
                input_tokens=1500,
                output_tokens=60,
                cost_usd=0.000261,
                attempts=2,
                latency_ms=820.0,
            ),
            "claude": _record(
                store,
                "anthropic",
                "claude-sonnet-4",
                "claude prompt",
                _ms("2024-06-02T09:00"),
                action="sell",
                input_tokens=900,
                output_tokens=40,
                cost_usd=0.0033,
            ),
        }
        midnight = _ms("2024-06-02T00:00")
        store.record_llm_usage(
            [
                {"run_id": run_id, "ts": midnight - 1, "provider": "openai",
                 "model": "gpt-4o-mini", "ok": True, "attempts": 2, "input_tokens": 1500,
                 "output_tokens": 60, "cost_usd": 0.25},
                {"run_id": run_id, "ts": midnight - 2, "provider": "openai",
                 "model": "gpt-4o-mini", "ok": False, "attempts": 3, "cost_usd": 0.5,
                 "error": "HTTP 503"},
                {"run_id": run_id, "ts": midnight, "provider": "anthropic",
                 "model": "claude-sonnet-4", "ok": True, "input_tokens": 900,
                 "output_tokens": 40, "cost_usd": 1.0},
                {"run_id": None, "ts": midnight + 5, "provider": "anthropic",
                 "model": "claude-sonnet-4", "ok": True, "cost_usd": 2.0},
            ]
        )  # fmt: skip
    return url, run_id, keys


def test_list_shows_newest_first(db) -> None:
    url, _, keys = db
    result = _cli("llm", "list", "--db", url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["created", "(UTC)", "provider", "model"]
    assert [line.split()[2] for line in lines[1:]] == ["anthropic", "openai", "smollm"]
    claude, gpt, old = lines[1:]
    assert "2024-06-02 09:00" in claude and "sell 0.80" in claude and "900/40" in claude
    assert "$0.003300" in claude and keys["claude"][:12] in claude
    assert "1500/60" in gpt and "$0.000261" in gpt
    # The local model spent no priced tokens.
    assert old.split()[-3:-1] == ["0/0", "$0.000000"]


def test_list_filters_limit_and_json(db) -> None:
    url, _, keys = db
    result = _cli("llm", "list", "--db", url, "--provider", "openai", "--json")
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.output)
    assert record["key"] == keys["gpt"] and record["params"] == PARAMS
    assert record["created_at"] == "2024-06-01T12:30:00+00:00"
    assert record["attempts"] == 2 and record["cost_usd"] == pytest.approx(0.000261)
    assert "prompt" not in record
    result = _cli("llm", "list", "--db", url, "--limit", "1", "--json")
    assert [r["key"] for r in json.loads(result.output)] == [keys["claude"]]
    result = _cli("llm", "list", "--db", url, "--model", "nothing")
    assert result.exit_code == 0 and result.output.strip() == "no recorded LLM answers"


def test_export_writes_full_records_as_json_lines(db, tmp_path) -> None:
    url, _, keys = db
    out = tmp_path / "records.jsonl"
    result = _cli("llm", "export", "--db", url, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"exported 3 recorded answers to {out}"
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["key"] for r in records] == [keys["old"], keys["gpt"], keys["claude"]]
    gpt = records[1]
    assert gpt == {
        "key": keys["gpt"],
        "provider": "openai",
        "model": "gpt-4o-mini",
        "created_at": "2024-06-01T12:30:00+00:00",
        "params": PARAMS,
        "system": "sys",
        "prompt": "gpt prompt",
        "response": {"action": "buy", "confidence": 0.8, "rationale": "because gpt prompt"},
        "raw": '{"action":"buy","confidence":0.8}',
        "input_tokens": 1500,
        "output_tokens": 60,
        "cost_usd": pytest.approx(0.000261),
        "attempts": 2,
        "latency_ms": 820.0,
    }
    # The record key can be recomputed from the exported question.
    assert Store.llm_key("openai", "gpt-4o-mini", "sys", "gpt prompt", gpt["params"]) == gpt["key"]


def test_export_to_stdout_with_filters(db) -> None:
    url, _, keys = db
    result = _cli("llm", "export", "--db", url, "--before", "2024-06-02", "--out", "-")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["key"] for r in records] == [keys["old"], keys["gpt"]]
    assert result.stderr.strip() == "exported 2 recorded answers"
    result = _cli("llm", "export", "--db", url, "--provider", "smollm", "--out", "-")
    assert [json.loads(line)["key"] for line in result.stdout.splitlines()] == [keys["old"]]


def test_export_to_an_unwritable_path_is_one_line(db, tmp_path) -> None:
    url, _, _ = db
    target = tmp_path / "missing-dir" / "out.jsonl"
    line = _one_line_error(_cli("llm", "export", "--db", url, "--out", str(target)))
    assert "--out" in line and "cannot write" in line


def test_prune_asks_before_deleting(db) -> None:
    url, _, keys = db
    result = _cli("llm", "prune", "--db", url, "--provider", "openai", input="n\n")
    assert result.exit_code == 1
    assert "1 recorded answers match" in result.output and "delete them?" in result.output
    with Store.open(url) as store:
        assert len(store.llm_records()) == 3
    result = _cli("llm", "prune", "--db", url, "--provider", "openai", input="y\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "deleted 1 recorded answers"
    with Store.open(url) as store:
        assert {r["key"] for r in store.llm_records()} == {keys["old"], keys["claude"]}


def test_prune_filters_by_date_and_age(db) -> None:
    url, _, keys = db
    result = _cli("llm", "prune", "--db", url, "--before", "2024-06-01T12:00", "--yes")
    assert result.exit_code == 0, result.output
    assert "deleted 1 recorded answers" in result.output
    with Store.open(url) as store:
        assert {r["key"] for r in store.llm_records()} == {keys["gpt"], keys["claude"]}
    result = _cli("llm", "prune", "--db", url, "--older-than", "1h", "--model", "x", "--yes")
    assert result.output.strip() == "no recorded answers match"
    result = _cli("llm", "prune", "--db", url, "--older-than", "30d", "--yes")
    assert "deleted 2 recorded answers" in result.output
    with Store.open(url) as store:
        assert store.llm_records() == []
        # The spend ledger is not pruned with the records.
        assert store.llm_spend_since(0) == pytest.approx(3.75)


def test_prune_all(db) -> None:
    url, _, _ = db
    result = _cli("llm", "prune", "--db", url, "--all", "--yes")
    assert result.exit_code == 0 and "deleted 3 recorded answers" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "llm prune needs a filter"),
        (("--all", "--provider", "openai"), "--all deletes every recorded answer"),
        (("--before", "2024-13-01"), "--before '2024-13-01': not a date"),
        (("--before", "yesterday"), "--before 'yesterday': not a date"),
        (("--older-than", "30 days"), "--older-than '30 days': not an age"),
        (("--older-than", "5m"), "--older-than '5m': not an age"),
        (("--before", "2024-01-01", "--older-than", "3d"), "--before or --older-than, not both"),
    ],
)
def test_prune_bad_input_is_one_line(db, args, expected) -> None:
    url, _, _ = db
    assert expected in _one_line_error(_cli("llm", "prune", "--db", url, "--yes", *args))
    with Store.open(url) as store:
        assert len(store.llm_records()) == 3


def test_usage_per_day_with_totals(db) -> None:
    url, run_id, _ = db
    result = _cli("llm", "usage", "--db", url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "day", "(UTC)", "provider", "model", "calls", "failed", "attempts", "tokens", "in",
        "tokens", "out", "cost",
    ]  # fmt: skip
    assert [line.split() for line in lines[1:]] == [
        ["2024-06-01", "openai", "gpt-4o-mini", "2", "1", "5", "1500", "60", "$0.7500"],
        ["2024-06-02", "anthropic", "claude-sonnet-4", "2", "0", "2", "900", "40", "$3.0000"],
        ["total", "4", "1", "7", "2400", "100", "$3.7500"],
    ]
    result = _cli("llm", "usage", "--db", url, "--run", run_id[:8], "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["day"], r["calls"], r["cost_usd"]) for r in rows] == [
        ("2024-06-01", 2, 0.75),
        ("2024-06-02", 1, 1.0),
    ]


def test_usage_days_counts_from_utc_midnight(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/u.db"
    now = datetime.now(UTC)
    today = _ms(now.strftime("%Y-%m-%dT00:00"))
    with Store.open(url) as store:
        store.record_llm_usage(
            [
                {"ts": today + 1, "provider": "p", "model": "m", "ok": True, "cost_usd": 1.0},
                {"ts": today - 1, "provider": "p", "model": "m", "ok": True, "cost_usd": 2.0},
                {"ts": today - DAY - 1, "provider": "p", "model": "m", "ok": True},
            ]
        )
    days = [
        json.loads(_cli("llm", "usage", "--db", url, "--days", str(n), "--json").output)
        for n in (1, 2)
    ]
    yesterday = (now - timedelta(days=1)).date().isoformat()
    assert [r["day"] for r in days[0]] == [now.date().isoformat()]
    assert [r["day"] for r in days[1]] == [yesterday, now.date().isoformat()]
    result = _cli("llm", "usage", "--db", url, "--run", "deadbeef")
    assert "--run deadbeef: no run with that id" in _one_line_error(result)


def test_usage_and_list_of_an_empty_database(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    Store.open(url).close()
    assert _cli("llm", "usage", "--db", url).output.strip() == "no model calls recorded"
    assert _cli("llm", "list", "--db", url).output.strip() == "no recorded LLM answers"


def test_missing_database_is_one_line_and_masks_the_password(tmp_path) -> None:
    line = _one_line_error(_cli("llm", "list", "--db", f"sqlite:///{tmp_path}/none.db"))
    assert "no database at" in line
    line = _one_line_error(_cli("llm", "usage", "--db", "postgresql://me:s3cret@127.0.0.1:1/none"))
    assert "s3cret" not in line and "***" in line


def test_models_lists_configured_providers(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_MODEL", raising=False)
    config = tmp_path / "c.yaml"
    config.write_text(
        "llm_providers:\n"
        "  deep:\n"
        "    provider: deepseek\n"
        "    options: {model: deepseek-chat}\n"
        "  tuned:\n"
        "    provider: openai\n"
        "    options: {model: my-finetune, api_key: sk-should-never-print}\n"
        "    price: {input: 1.5, output: 2.5}\n"
        "    cutoff: '2025-02-01'\n"
        "  stranger:\n"
        "    provider: openai\n"
        "    options: {model: mystery-model}\n"
        "decision:\n"
        "  llm: {providers: [deep]}\n"
    )
    result = _cli("llm", "models", "-c", str(config))
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:6]}
    assert rows["deep"][1:] == [
        "*", "deepseek", "deepseek-chat", "$0.28", "$0.42", "2024-12-26", "DeepSeek", "list",
        "price;", "release",
    ]  # fmt: skip
    assert rows["tuned"][1:] == [
        "openai", "my-finetune", "$1.50", "$2.50", "2025-02-01", "configured",
    ]  # fmt: skip
    assert rows["stranger"][1:] == [
        "openai", "mystery-model", "-", "-", "unknown", "unknown", "model",
    ]  # fmt: skip
    assert rows["openai"][1:4] == ["openai", "gpt-4o-mini", "$0.15"]
    assert rows["smollm"][1:3] == ["smollm", "SmolLM2"]
    assert "sk-should-never-print" not in result.output
    from deepalpha.llm_models import PRICES_AS_OF

    assert f"default prices as of {PRICES_AS_OF}" in result.output


def test_models_with_a_bad_config_is_one_line(tmp_path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("llm_providers:\n  x: {provider: openai, cutoff: 'soon'}\n")
    line = _one_line_error(_cli("llm", "models", "-c", str(config)))
    assert "llm_providers.x.cutoff" in line
