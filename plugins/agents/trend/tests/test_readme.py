"""The README's configuration, option table and example come from what the agent does."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
from deepalpha.config.loader import load_config
from deepalpha.engine.components import resolve_options
from deepalpha_agent_trend.agent import TrendAgent
from deepalpha_agent_trend.options import TrendOptions

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_the_yaml_example_configures_the_agent(tmp_path, deepalpha_plugins) -> None:
    block = re.search(r"```yaml\n(.*?)```", README, re.S).group(1)
    path = tmp_path / "config.yaml"
    path.write_text(block)
    config = load_config(path)
    options = config.agents["trend"].options
    _, opts = resolve_options(deepalpha_plugins, "agent", "trend", options, "agents.trend")
    assert opts == TrendOptions(periods=(7, 25, 99))


def test_the_option_table_lists_every_option() -> None:
    table = re.search(r"## Options\n(.*?)\n\n", README, re.S).group(1)
    listed = {
        name
        for cell in re.findall(r"^\| (`[^|]+`) \|", table, re.M)
        for name in re.findall(r"`(\w+)`", cell)
    }
    assert listed == {f.name for f in attrs.fields(TrendOptions)}


def test_the_example_rationale_is_the_agents(btc_bars, market_runner) -> None:
    shown = re.search(r"<!-- example-rationale -->\n```text\n(.*?)\n```", README, re.S).group(1)
    last = market_runner(TrendAgent, {"BTC/USD": btc_bars})["BTC/USD"][-1]
    assert btc_bars[-1].ts == 1571302800000  # 2019-10-17 09:00 UTC
    assert last.rationale == shown
