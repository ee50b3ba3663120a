"""The plugin as the core sees it: registered, options checked with key paths, built per symbol,
and the bundled sample folder running over the bundled BTC/USD candles."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from deepalpha.config import structure
from deepalpha.engine.components import build
from deepalpha.errors import ConfigError
from deepalpha.history import History
from deepalpha.testing import check_agent
from deepalpha_agent_news.agent import NewsAgent
from deepalpha_agent_news.options import NewsOptions, SourceConfig
from deepalpha_agent_news.sources.folder import FolderOptions, FolderSource, resolve_path

SAMPLE = resolve_path("bundled:sample")
TOOL = Path(__file__).parents[1] / "tools" / "make_sample.py"


def test_the_entry_point_registers_the_news_agent(deepalpha_plugins) -> None:
    info = next(i for i in deepalpha_plugins.infos if i.name == "news")
    assert (info.status, info.distribution) == ("ok", "deepalpha-agent-news")
    assert "agent:news" in info.provides
    spec = deepalpha_plugins.resolve("agent", "news")
    assert spec.options is NewsOptions and "VADER" in spec.description


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"half_life_hours": 0}, "agents.news.options.half_life_hours: must be > 0, got 0.0"),
        ({"neutral_band": 2}, "agents.news.options.neutral_band: must be in [0, 1], got 2.0"),
        ({"halflife": 3}, "agents.news.options: unknown key(s) halflife"),
        ({"sources": []}, "agents.news.options.sources: at least one news source is required"),
        (
            {"max_age_hours": 6, "half_life_hours": 12},
            "agents.news.options.max_age_hours: must be >= half_life_hours (12), got 6",
        ),
        (
            {"lexicon": {"hack": 7}},
            "agents.news.options.lexicon: 'hack' has valence 7.0; must be in [-4, 4]",
        ),
        ({"sources": [{"source": ""}]}, "agents.news.options.sources[0].source: must not be empty"),
        (
            {"llm": {"weight": 0.3}},
            "agents.news.options.llm.provider: required key 'provider' is missing",
        ),
    ],
)
def test_bad_options_name_the_key(options, message) -> None:
    with pytest.raises(ConfigError) as caught:
        structure(options, NewsOptions, "agents.news.options")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (
            [{"source": "telepathy"}],
            "agents.news.options: sources[0].source: unknown news source 'telepathy'; "
            "installed: cryptopanic, folder, rss",
        ),
        (
            [{"source": "rss", "options": {"url": "feed.xml"}}],
            "agents.news.options: sources[0].options.url: must be an http:// or https:// URL",
        ),
    ],
)
def test_bad_sources_are_refused_when_the_agent_is_built(deepalpha_plugins, sources, message):
    with pytest.raises(ConfigError) as caught:
        build(deepalpha_plugins, "agent", "news", {"sources": sources}, "agents.news")
    assert message in str(caught.value)


def test_source_secrets_are_masked_in_options_repr() -> None:
    config = SourceConfig("cryptopanic", {"auth_token": "tok-123", "kind": "news"})
    assert "tok-123" not in repr(config) and "'kind': 'news'" in repr(config)


def test_configured_sources_build_through_the_core(deepalpha_plugins, tmp_path) -> None:
    (tmp_path / "a.csv").write_text("title,published_at\nBitcoin up,2018-01-01T00:00:00Z\n")
    options = {
        "sources": [
            {"source": "folder", "options": {"path": str(tmp_path)}, "weight": 2.0},
            {
                "source": "deepalpha_agent_news.sources.folder:FolderSource",
                "options": {"path": "bundled:sample"},
            },
        ],
        "half_life_hours": 6,
    }
    agent = build(deepalpha_plugins, "agent", "news", options, "agents.news")
    assert isinstance(agent, NewsAgent)
    assert [type(s).__name__ for s, _ in agent.sources] == ["FolderSource", "FolderSource"]
    assert [w for _, w in agent.sources] == [2.0, 1.0]


# -- the bundled sample ----------------------------------------------------------------------------


def test_sample_is_labelled_synthetic_and_covers_the_bundled_candles() -> None:
    files = sorted(SAMPLE.glob("*.json"))
    months = [f.stem for f in files]
    assert months[0] == "2017-07" and months[-1] == "2019-10" and len(months) == 28
    for path in files:
        data = json.loads(path.read_text())
        assert data["note"].startswith("SYNTHETIC sample headlines")
        assert 4 <= len(data["headlines"]) <= 7
    source = FolderSource(FolderOptions("bundled:sample"))
    assert source.dropped_undated == 0
    assert {h.source for h in source.headlines} == {"sample (synthetic)"}
    first = datetime.fromtimestamp(source.headlines[0].published_at / 1000, UTC)
    last = datetime.fromtimestamp(source.headlines[-1].published_at / 1000, UTC)
    # The bundled candles run from 2017-07-01 11:00 to 2019-10-17 09:00 UTC.
    assert datetime(2017, 7, 1, tzinfo=UTC) <= first and last < datetime(2019, 10, 17, tzinfo=UTC)
    assert (SAMPLE / "README.md").read_text().count("synthetic") >= 1


def test_sample_is_what_the_generator_writes(tmp_path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("news_make_sample", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path)
    module.main()
    written = {p.name: p.read_text() for p in tmp_path.glob("*.json")}
    bundled = {p.name: p.read_text() for p in SAMPLE.glob("*.json")}
    assert written == bundled


@pytest.fixture(scope="module")
def bundled_bars():
    from deepalpha_data_file.options import FileOptions
    from deepalpha_data_file.source import FileSource

    series = FileSource(FileOptions(path="bundled:btcusd-1h")).fetch("BTC/USD", "1h")
    return series


def test_default_agent_reads_the_sample_over_the_bundled_candles(bundled_bars) -> None:
    bars = list(bundled_bars.bars())[4000:5500]  # 2018-01 .. 2018-02
    eth = [type(b)("ETH/USD", b.ts, b.open, b.high, b.low, b.close, b.volume) for b in bars]
    signals = check_agent(NewsAgent, bars, eth)
    active = [s for s in signals if s is not None]
    assert 0 < len(active) < len(bars)
    assert all("sample (synthetic)" in s.rationale for s in active)
    assert {s.direction for s in active} >= {1, -1}


def test_default_agent_over_all_bundled_candles(bundled_bars) -> None:
    agent = NewsAgent()
    history = History.over(bundled_bars)
    count = 0
    for bar in bundled_bars.bars():
        history.append(bar)
        count += agent.on_bar(bar, history) is not None
    assert 0 < count < len(bundled_bars)
    # Whole chunks, not per bar: 838 days of candles in 30-day chunks.
    assert agent.fetches == 28
