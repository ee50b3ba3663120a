"""The README's configuration, option table, messages and example come from what the agent does."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
from deepalpha.config.converter import structure
from deepalpha.config.loader import load_config
from deepalpha.engine.components import resolve_options
from deepalpha.errors import ConfigError
from deepalpha_agent_risk.agent import RiskAgent
from deepalpha_agent_risk.options import RiskOptions

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_the_yaml_example_configures_the_agent(tmp_path, deepalpha_plugins) -> None:
    block = re.search(r"```yaml\n(.*?)```", README, re.S).group(1)
    path = tmp_path / "config.yaml"
    path.write_text(block)
    options = load_config(path).agents["risk"].options
    _, opts = resolve_options(deepalpha_plugins, "agent", "risk", options, "agents.risk")
    assert opts == RiskOptions(max_position_per_symbol=0.05)


def test_the_option_table_lists_every_option_with_its_default() -> None:
    table = re.search(r"## Options\n(.*?)\n\n", README, re.S).group(1)
    rows = re.findall(r"^\| `(\w+)` \| `?([\w.]+)`? \|", table, re.M)
    defaults = {f.name: f.default for f in attrs.fields(RiskOptions)}
    assert {name for name, _ in rows} == set(defaults)
    for name, shown in rows:
        assert shown == str(defaults[name]) or float(shown) == defaults[name], name


def test_the_error_shown_is_the_one_given() -> None:
    shown = re.search(r"A bad value names the option: `(.*?)`", README).group(1)
    with pytest.raises(ConfigError) as caught:
        structure({"max_drawdown": 1.5}, RiskOptions, "agents.risk.options")
    assert str(caught.value) == shown


def test_the_example_rationale_is_the_agents(btc_bars, market_runner) -> None:
    shown = re.search(r"<!-- example-rationale -->\n```text\n(.*?)\n```", README, re.S).group(1)
    last = market_runner(RiskAgent, {"BTC/USD": btc_bars})["BTC/USD"][-1]
    assert btc_bars[-1].ts == 1571302800000  # 2019-10-17 09:00 UTC
    assert last.rationale == shown
