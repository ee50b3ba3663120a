"""User mistakes give one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

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
