"""User mistakes give one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

NO_LLM = ("--no-llm", "--no-report")


def _one_line_error(result) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def _csv(path, rows):
    path.write_text("timestamp,open,high,low,close,volume\n" + "".join(r + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("decision:\n  threshold: [\n", "invalid YAML"),
        ("decision:\n  threshold: 2\n", "decision.threshold: must be in [0, 1], got 2"),
        ("agents:\n  nope: {}\n", "unknown agent 'nope'; valid names:"),
        ("gateway: {name: binance-live}\n", "unknown gateway 'binance-live'; valid names:"),
        (
            "agents:\n  technical: {options: {rsi_perod: 3}}\n",
            "agents.technical.options: unknown key(s) rsi_perod",
        ),
        (
            "agents:\n  technical: {options: {ema_fast: 50}}\n",
            "agents.technical.options.ema_fast: must be < ema_slow (26), got 50",
        ),
    ],
)
def test_bad_config(cli, config, expected) -> None:
    (cli.cwd / "c.yaml").write_text(config)
    line = _one_line_error(cli("backtest", "-c", "c.yaml", *NO_LLM, check=False))
    assert expected in line


def test_config_validate_reports_the_same_errors(cli) -> None:
    (cli.cwd / "c.yaml").write_text("risk:\n  sizing: {options: {fraction: 1.5}}\n")
    line = _one_line_error(cli("config", "validate", "-c", "c.yaml", check=False))
    assert "risk.sizing.options.fraction" in line and "1.5" in line
    assert "config OK" in cli("config", "validate").stdout


def test_csv_with_a_bad_row_names_file_and_line(cli) -> None:
    _csv(
        cli.cwd / "bad.csv",
        [
            "2020-01-01T00:00:00,1,2,0.5,1.5,10",
            "2020-01-01T01:00:00,1,2,0.5,1.5,10",
            "2020-01-01T02:00:00,1,abc,0.5,1.5,10",
        ],
    )
    (cli.cwd / "c.yaml").write_text("market: {options: {path: bad.csv}}\n")
    line = _one_line_error(cli("backtest", "-c", "c.yaml", *NO_LLM, check=False))
    assert "bad.csv" in line and "line 4" in line and "high" in line


def test_empty_dataset(cli) -> None:
    _csv(cli.cwd / "empty.csv", [])
    (cli.cwd / "c.yaml").write_text("market: {options: {path: empty.csv}}\n")
    line = _one_line_error(cli("backtest", "-c", "c.yaml", *NO_LLM, check=False))
    assert "empty.csv" in line


def test_date_range_with_no_data(cli) -> None:
    result = cli("backtest", "--start", "2030-01-01", "--end", "2030-02-01", *NO_LLM, check=False)
    line = _one_line_error(result)
    assert "BTC/USD" in line and "2030-01-01" in line


def test_bad_date(cli) -> None:
    line = _one_line_error(cli("backtest", "--start", "yesterday", *NO_LLM, check=False))
    assert "backtest.start: not an ISO date or datetime: 'yesterday'" in line


def test_live_gateway_needs_explicit_opt_in() -> None:
    import types

    from deepalpha import hookimpl
    from deepalpha.config import load_config
    from deepalpha.engine.components import build_components
    from deepalpha.errors import PluginError
    from deepalpha.plugins import load_plugins
    from deepalpha.records import GatewaySpec

    plugin = types.SimpleNamespace(
        register_gateways=hookimpl(
            lambda: [GatewaySpec(name="realmoney", factory=object, live=True)]
        )
    )
    plugins = load_plugins(extra=[("rm", plugin)])
    config = load_config(
        overrides={"gateway": {"name": "realmoney"}, "decision": {"llm": {"providers": []}}}
    )
    with pytest.raises(PluginError, match=r"trades real money; set live\.enabled: true"):
        build_components(config, plugins)


# -- issue 7, section 6: bad input in the run path -------------------------------------------------
#
# Every case: one line on stderr naming the file, the key path and the problem, exit status 2, and
# `config validate` refuses it with the very same line as the command that would run it.

#: A short window for commands expected to fail before running; if one did not, it stays short.
SHORT = ("--start", "2019-01-01", "--end", "2019-01-03")


def _default_agents() -> list[str]:
    from deepalpha.config.loader import load_raw

    return list(load_raw()["agents"])


#: The default agents, each turned off: a config that adds only the agents a test is about.
ALL_OFF = "agents:\n" + "".join(f"  {name}: {{enabled: false}}\n" for name in _default_agents())


def _install(dist: str, target) -> object:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(Path(__file__).parent / "dists" / dist),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


@pytest.fixture(scope="module")
def faulty_dist(tmp_path_factory):
    """Agents whose factories raise, return a non-Agent, or validate options with ``in_``."""
    return _install("faulty", tmp_path_factory.mktemp("faulty"))


@pytest.fixture(scope="module")
def twin_dist(tmp_path_factory):
    """A distribution declaring the entry point ``tiny``, as deepalpha-agent-tiny does."""
    return _install("twin", tmp_path_factory.mktemp("twin"))


def _validate(cli) -> str:
    result = cli("config", "validate", "-c", "c.yaml", check=False)
    assert "config OK" not in result.stdout
    return _one_line_error(result)


def _backtest(cli, *extra: str) -> str:
    return _one_line_error(cli("backtest", "-c", "c.yaml", *extra, check=False))


def _run(cli, *extra: str) -> str:
    return _one_line_error(cli("run", "-c", "c.yaml", "--no-view", "--json", *extra, check=False))


@pytest.mark.parametrize(
    ("config", "expected", "backtest_args"),
    [
        pytest.param(
            "market: {timeframe: 7m}\n",
            "market.timeframe: '7m' is not a timeframe; valid: 1m, ",
            (*NO_LLM, *SHORT),
            id="timeframe",
        ),
        pytest.param(
            "market: {symbols: BTC/USD}\n",
            "market.symbols: expected a list, got the string 'BTC/USD'; write [BTC/USD]",
            (*NO_LLM, *SHORT),
            id="symbols-as-a-string",
        ),
        pytest.param(
            "backtest: {start: 'last tuesday'}\n",
            "backtest.start: not an ISO date or datetime: 'last tuesday'",
            NO_LLM,
            id="date",
        ),
        pytest.param(
            "backtest: {start: 2019-02-01, end: 2019-01-01}\n",
            "backtest.start: 2019-02-01 is not before backtest.end 2019-01-01",
            NO_LLM,
            id="start-after-end",
        ),
        pytest.param(
            ALL_OFF,
            f"agents: no agent is enabled (configured: {', '.join(_default_agents())}); enable at "
            "least one",
            (*NO_LLM, *SHORT),
            id="no-agents",
        ),
        pytest.param(
            "decision: {llm: {providers: [claude]}}\n",
            "decision.llm.providers[0]: 'claude' is not configured under llm_providers "
            "(configured: smollm, openai)",
            ("--no-report", *SHORT),
            id="unconfigured-llm",
        ),
        pytest.param(
            "storage: {url: 'mysql://me:hunter2@db.example/trading'}\n",
            "storage.url: unsupported database mysql://me:***@db.example/trading: use sqlite:///",
            (*NO_LLM, *SHORT),
            id="unsupported-database",
        ),
        pytest.param(
            "storage: {url: 'sqlite:///c.yaml/run.db'}\n",
            "storage.url: database folder c.yaml is not a directory",
            (*NO_LLM, *SHORT),
            id="unwritable-database",
        ),
        pytest.param(
            "app: {report_dir: c.yaml/reports}\n",
            "app.report_dir: report folder c.yaml/reports cannot be created: c.yaml is a file, "
            "not a directory",
            ("--no-llm", *SHORT),
            id="unwritable-report-folder",
        ),
        pytest.param(
            "risk:\n  stop_loss: {options: {pct: 0.01}}\n"
            "risk:\n  take_profit: {options: {pct: 0.2}}\n",
            "risk: key given twice, on line 1 and line 3",
            (*NO_LLM, *SHORT),
            id="duplicate-key",
        ),
        pytest.param(
            "agents:\n  nope: {}\n",
            "agents.nope: unknown agent 'nope'; valid names:",
            (*NO_LLM, *SHORT),
            id="unknown-agent",
        ),
    ],
)
def test_validate_refuses_what_backtest_refuses(cli, config, expected, backtest_args) -> None:
    (cli.cwd / "c.yaml").write_text(config)
    line = _validate(cli)
    assert line.startswith(f"Error: c.yaml: {expected}"), line
    assert _backtest(cli, *backtest_args) == line


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(
            "paper: {start: 2019-09-02, end: 2019-09-01}\n",
            "paper.start: 2019-09-02 is not before paper.end 2019-09-01",
            id="paper-window",
        ),
        pytest.param(
            "market: {symbols: [BTC/USD, BTC/USD]}\n",
            "market.symbols[1]: 'BTC/USD' is listed twice",
            id="symbol-twice",
        ),
    ],
)
def test_validate_refuses_what_run_refuses(cli, config, expected) -> None:
    (cli.cwd / "c.yaml").write_text(config)
    line = _validate(cli)
    assert line.startswith(f"Error: c.yaml: {expected}"), line
    assert _run(cli, "--no-llm") == line


FAULTY_OFF = ALL_OFF


def test_a_factory_that_raises_is_one_line_everywhere(make_cli, faulty_dist) -> None:
    cli = make_cli(faulty_dist)
    (cli.cwd / "c.yaml").write_text(FAULTY_OFF + "  needs_torch: {}\n")
    line = _validate(cli)
    assert line == (
        "Error: c.yaml: agents.needs_torch: agent 'needs_torch' (plugin 'faulty', "
        "deepalpha-agent-faulty 0.0.1) could not be built: ModuleNotFoundError: No module named "
        "'deepalpha_heavy_dependency_not_installed'"
    )
    assert _backtest(cli, *NO_LLM, *SHORT) == line
    assert _run(cli, "--no-llm", "--start", "2019-09-01", "--end", "2019-09-02") == line


def test_a_factory_returning_a_non_agent_is_one_line_everywhere(make_cli, faulty_dist) -> None:
    cli = make_cli(faulty_dist)
    (cli.cwd / "c.yaml").write_text(FAULTY_OFF + "  not_an_agent: {}\n")
    line = _validate(cli)
    assert line.startswith("Error: c.yaml: agents.not_an_agent: agent 'not_an_agent' (plugin")
    assert "its factory returned dict, not a deepalpha.agents.Agent" in line
    assert _backtest(cli, *NO_LLM, *SHORT) == line
    assert _run(cli, "--no-llm", "--start", "2019-09-01", "--end", "2019-09-02") == line


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("choosy: {mode: medium}", "agents.choosy.mode"),
        ("choosy: {options: {mode: medium}}", "agents.choosy.options.mode"),
    ],
)
def test_attrs_in_validator_errors_are_readable(make_cli, faulty_dist, entry, key) -> None:
    cli = make_cli(faulty_dist)
    (cli.cwd / "c.yaml").write_text(FAULTY_OFF + f"  {entry}\n")
    line = _validate(cli)
    assert line == f"Error: c.yaml: {key}: must be one of 'fast', 'slow'; got 'medium'"
    assert _backtest(cli, *NO_LLM, *SHORT) == line


def test_flat_agent_options_are_accepted_and_a_key_given_twice_is_named(
    make_cli, faulty_dist
) -> None:
    cli = make_cli(faulty_dist)
    (cli.cwd / "c.yaml").write_text(FAULTY_OFF + "  choosy: {mode: slow}\n")
    assert "config OK (c.yaml)" in cli("config", "validate", "-c", "c.yaml").stdout
    (cli.cwd / "c.yaml").write_text(FAULTY_OFF + "  choosy: {mode: slow, options: {mode: fast}}\n")
    assert _validate(cli) == (
        "Error: c.yaml: agents.choosy.mode: given twice, as agents.choosy.mode and as "
        "agents.choosy.options.mode; keep one"
    )


def test_an_unused_failed_plugin_is_a_warning_and_a_used_one_an_error(
    make_cli, broken_dist
) -> None:
    cli = make_cli(broken_dist)
    ok = cli("config", "validate")
    assert ok.stdout.strip() == "config OK (defaults)"
    warnings = [line for line in ok.stderr.splitlines() if line.strip()]
    assert warnings == [
        "WARNING deepalpha.engine.prepare: plugin 'broken' failed to load (deepalpha-agent-broken "
        "0.0.1): ModuleNotFoundError: No module named "
        "'deepalpha_dependency_that_is_not_installed'; this configuration does not use it"
    ]
    (cli.cwd / "c.yaml").write_text("agents:\n  broken: {}\n")
    line = _validate(cli)
    assert line.startswith("Error: c.yaml: agents.broken: unknown agent 'broken'; valid names: ")
    assert line.endswith(
        "; plugin 'broken' failed to load (deepalpha-agent-broken 0.0.1): ModuleNotFoundError: "
        "No module named 'deepalpha_dependency_that_is_not_installed'"
    )
    assert _backtest(cli, *NO_LLM, *SHORT) == line


def test_two_distributions_with_one_entry_point_name_are_named(
    make_cli, tiny_dist, twin_dist
) -> None:
    cli = make_cli(tiny_dist, twin_dist)
    listing = cli.json("plugins", "list", "--json")
    tiny = [p for p in listing["plugins"] if p["name"] == "tiny"]
    assert sorted(p["distribution"] for p in tiny) == [
        "deepalpha-agent-tiny",
        "deepalpha-agent-twin",
    ]
    for plugin in tiny:
        assert plugin["status"] == "failed"
        assert "deepalpha-agent-tiny 0.0.1" in plugin["error"]
        assert "deepalpha-agent-twin 0.0.2" in plugin["error"]
    assert any("entry point name 'tiny'" in c for c in listing["conflicts"])
    (cli.cwd / "c.yaml").write_text("agents:\n  tiny: {}\n")
    line = _validate(cli)
    assert line.startswith("Error: c.yaml: agents.tiny: unknown agent 'tiny'")
    assert "deepalpha-agent-tiny 0.0.1" in line and "deepalpha-agent-twin 0.0.2" in line
    assert _backtest(cli, *NO_LLM, *SHORT) == line


def test_a_file_that_is_not_utf8(cli) -> None:
    (cli.cwd / "c.yaml").write_bytes("app:\n  name: D\u00e9j\u00e0\n".encode("latin-1"))
    line = _validate(cli)
    assert (
        line
        == "Error: c.yaml line 2, column 10: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )
    assert _backtest(cli, *NO_LLM, *SHORT) == line


def test_an_empty_section_keeps_the_defaults(cli) -> None:
    (cli.cwd / "c.yaml").write_text("risk:\n")
    assert "config OK (c.yaml)" in cli("config", "validate", "-c", "c.yaml").stdout
    shown = cli("config", "show", "-c", "c.yaml").stdout
    assert "stop_loss:" in shown and "sizing:" in shown
