"""README.md says what the code does: its examples are checked against the code here."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import yaml
from click.testing import CliRunner
from deepalpha.cli.main import build_cli
from deepalpha.config.converter import structure
from deepalpha.history import History
from deepalpha_agent_pattern.agent import PatternAgent
from deepalpha_agent_pattern.names import TALIB_NAMES, friendly
from deepalpha_agent_pattern.options import PatternOptions

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def blocks(lang: str = "") -> list[str]:
    """The fenced blocks whose info string is ``lang``, in order."""
    found, current, info = [], None, ""
    for line in README.splitlines():
        if line.startswith("```"):
            if current is None:
                current, info = [], line[3:].strip()
            else:
                if info == lang:
                    found.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_config_example_builds_the_options() -> None:
    (config,) = blocks("yaml")
    section = dict(yaml.safe_load(config)["agents"]["pattern"])
    assert section.pop("enabled") is True
    options = structure(section, PatternOptions, "agents.pattern.options")
    assert options.patterns == ("CDLHAMMER", "CDLDOJI", "CDLENGULFING")


def test_options_table_lists_every_option_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `(\w+)`[^|]*\| ([^|]+) \|", README, re.M))
    for field in attrs.fields(PatternOptions):
        if field.name.endswith("_weight"):
            continue  # one row for the three weights
        assert field.name in rows, field.name
        default = field.default
        if isinstance(default, int | float):
            assert rows[field.name].strip() == f"{default:g}", field.name
    assert "| `candle_weight`, `level_weight`, `chart_weight` | 0.3, 0.3, 0.4 |" in README


def test_every_candlestick_name_is_listed() -> None:
    listed = set(re.findall(r"[a-z0-9_]+", README.split("## Candlestick names")[1].split("##")[0]))
    assert {friendly(n) for n in TALIB_NAMES} <= listed


def test_rationale_example_is_what_the_agent_says(btc_bars) -> None:
    example = next(b for b in blocks() if b.startswith("candles: hammer")).strip()
    agent = PatternAgent(PatternOptions(patterns=["hammer", "doji", "engulfing"]))
    history = History("BTC/USD")
    said = {}
    for bar in btc_bars[:400]:
        history.append(bar)
        sig = agent.on_bar(bar, history)
        if sig is not None:
            said.setdefault(sig.rationale, sig)
    sig = said[example]
    assert (int(sig.direction), round(sig.strength, 2), sig.confidence) == (1, 0.7, 1.0)
    assert (f"{sig.stop_loss:,.2f}", f"{sig.take_profit:,.2f}") == ("2,506.41", "2,763.42")


def test_stats_sample_rows_are_the_commands_output() -> None:
    sample = next(b for b in blocks() if b.lstrip().startswith("pattern ")).splitlines()
    result = CliRunner().invoke(
        build_cli(), ["patterns", "stats", "--patterns", "hammer,engulfing"]
    )
    assert result.exit_code == 0, result.output
    printed = {" ".join(line.split()) for line in result.output.splitlines()}
    for line in sample:
        assert " ".join(line.split()) in printed, line
