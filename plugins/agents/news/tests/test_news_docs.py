"""The README's examples are the files the tests run, and they work."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from deepalpha.config import load_config
from deepalpha.domain import Direction
from deepalpha.engine.components import build
from deepalpha_agent_news.agent import NewsAgent
from deepalpha_agent_news.headlines import Headline
from deepalpha_agent_news.options import NewsOptions
from deepalpha_agent_news.sources import build_source
from deepalpha_agent_news.testing import StaticSource, check_news_source
from news_helpers import hourly, ms, run

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def block(lang: str, after: str) -> str:
    """The first ``lang`` code block of the README after the text ``after``."""
    start = README.index(after)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(README, start)
    assert match, f"no {lang} block after {after!r}"
    return match.group(1)


@pytest.mark.parametrize(
    ("name", "after"),
    [
        ("news.yaml", "Example (`examples/news.yaml`"),
        ("news-llm.yaml", "(`examples/news-llm.yaml`"),
    ],
)
def test_readme_shows_the_example_files(name: str, after: str) -> None:
    assert block("yaml", after) == (ROOT / "examples" / name).read_text()


def test_the_sources_example_loads_and_builds(deepalpha_plugins, monkeypatch) -> None:
    monkeypatch.setenv("CRYPTOPANIC_TOKEN", "tok-example")
    config = load_config(ROOT / "examples" / "news.yaml")
    cfg = config.agents["news"]
    agent = build(deepalpha_plugins, "agent", "news", cfg.options, "agents.news")
    assert [type(s).__name__ for s, _ in agent.sources] == [
        "RSSSource",
        "CryptoPanicSource",
        "FolderSource",
    ]
    assert agent.scorer.score("Mass adoption at last") > 0.5


def test_the_llm_example_scores_headlines_through_a_provider(deepalpha_plugins, monkeypatch):
    testing = pytest.importorskip("deepalpha_llm_openai.testing")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-example")
    with testing.serve_chat() as server:
        server.replies.append(testing.decision("sell", 1.0, "bad for price"))
        override = {
            "agents": {
                "news": {
                    "options": {"llm": {"options": {"base_url": server.base_url, "max_retries": 0}}}
                }
            }
        }
        config = load_config(ROOT / "examples" / "news-llm.yaml", overrides=override)
        options = config.agents["news"].options
        built = build(deepalpha_plugins, "agent", "news", options, "agents.news")
        headline_source = StaticSource()
        agent = NewsAgent(built.options, sources=[headline_source], llm=built.llm.provider)
        title = "Bitcoin gains"  # mildly positive for the lexicon
        headline_source.headlines.append(Headline("a", title, ms(2018, 1, 5, 1), "Wire"))
        signal = run(agent, hourly("BTC/USD", ms(2018, 1, 5), 2))[0]
    lexicon = agent.scorer.score(title)
    blended = 0.7 * lexicon + 0.3 * -1.0  # weight 0.3, the model said sell with confidence 1
    assert lexicon > 0 and blended < -0.05  # the model turned a positive headline negative
    assert signal.direction is Direction.SHORT
    assert signal.strength == pytest.approx(abs(blended))
    assert len(server.requests) == 1 and title in str(server.requests[0].body)


def test_the_source_example_runs(tmp_path, monkeypatch) -> None:
    (tmp_path / "readme_constant_source.py").write_text(block("python", "This one is run by"))
    monkeypatch.syspath_prepend(str(tmp_path))
    source = build_source("readme_constant_source:ConstantSource", {}, "sources[0]")
    found = check_news_source(source, "BTC", ms(2018, 1, 5), ms(2018, 1, 6))
    assert [(h.title, h.published_at) for h in found] == [("Bitcoin steady", ms(2018, 1, 5, 8))]
    agent = NewsAgent(sources=[source])
    signals = run(agent, hourly("BTC/USD", ms(2018, 1, 5, 6), 4))
    assert signals[0] is None and signals[1] is not None  # 08:00 is bar 1's close
    sys.modules.pop("readme_constant_source", None)


def test_readme_states_the_defaults() -> None:
    defaults = NewsOptions()
    for name in ("half_life_hours", "max_age_hours", "neutral_band", "chunk_days", "poll_seconds"):
        value = getattr(defaults, name)
        assert f"| `{name}` | {value:g} |" in README, name
