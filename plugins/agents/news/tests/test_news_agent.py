"""The news agent: point in time, decay, no leakage between symbols, fetching, LLM scoring."""

from __future__ import annotations

import itertools
import json
import logging
import math

import pytest
from deepalpha.domain import Action, Direction
from deepalpha.errors import LLMError
from deepalpha.history import History
from deepalpha.llm import LLMAnswer
from deepalpha.testing import ScriptedLLM, check_agent
from deepalpha_agent_news.agent import NewsAgent, currency_of
from deepalpha_agent_news.headlines import Headline
from deepalpha_agent_news.options import LLMScoring, NewsOptions
from deepalpha_agent_news.sources import NewsSource
from deepalpha_agent_news.sources.cryptopanic import CryptoPanicOptions, CryptoPanicSource
from deepalpha_agent_news.sources.rss import RSSOptions, RSSSource
from deepalpha_agent_news.testing import StaticSource, serve
from hypothesis import given, settings
from hypothesis import strategies as st
from news_helpers import FIXTURES, HOUR, hourly, ms, run
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

VADER = SentimentIntensityAnalyzer()  # the reference scores, computed apart from the agent
START = ms(2018, 1, 5)


def vader(title: str) -> float:
    return VADER.polarity_scores(title)["compound"]


def news(ident: str, title: str, t: int, currencies=("BTC",), source: str = "Wire") -> Headline:
    return Headline(ident, title, t, source, currencies)


def agent_over(headlines, **options) -> tuple[NewsAgent, StaticSource]:
    source = StaticSource(headlines)
    return NewsAgent(NewsOptions(**options), sources=[source]), source


def visible(agent: NewsAgent, bars) -> list[set[str]]:
    """The ids of the headlines the agent counted at each bar."""
    out = []
    history = History(bars[0].symbol, timeframe="1h")
    for bar in bars:
        history.append(bar)
        agent.on_bar(bar, history)
        out.append({h.id for h in agent.active_headlines})
    return out


# -- point in time ---------------------------------------------------------------------------------


def test_a_headline_counts_from_the_close_of_the_bar_it_was_published_in() -> None:
    # Bar k opens at START + k h and closes one hour later.
    at_close = news("a", "Bitcoin gains", START + 3 * HOUR)  # exactly bar 2's close
    after_close = news("b", "Bitcoin loses", START + 5 * HOUR + 1)  # 1 ms after bar 4's close
    agent, _ = agent_over([at_close, after_close])
    seen = visible(agent, hourly("BTC/USD", START, 8))
    assert seen[1] == set() and seen[2] == {"a"}
    assert seen[4] == {"a"} and seen[5] == {"a", "b"}


def test_without_a_bar_length_the_agent_only_trusts_the_bar_open() -> None:
    agent, _ = agent_over([news("a", "Bitcoin gains", START + 3 * HOUR)])
    signals = run(agent, hourly("BTC/USD", START, 5), timeframe=None)
    assert [s is not None for s in signals] == [False, False, False, True, True]


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 30 * HOUR),
            st.sampled_from(
                [
                    "Bitcoin gains ground",
                    "Bitcoin loses support",
                    "Bitcoin holders fear losses",
                    "Bitcoin wins approval",
                    "Bitcoin steady",
                ]
            ),
        ),
        max_size=12,
    )
)
def test_what_counts_at_each_bar_is_exactly_the_recent_past(items) -> None:
    """At every bar: the headlines counted are those with close - max_age < t <= close, and the
    signal's strength is min(1, |sum of score x 2^(-age / half-life)|), computed here directly."""
    headlines = [
        news(f"n{i}", title, START + offset, source=f"S{i}")
        for i, (offset, title) in enumerate(items)
    ]
    half_life, max_age = 2.0, 6.0
    agent, _ = agent_over(headlines, half_life_hours=half_life, max_age_hours=max_age)
    bars = hourly("BTC/USD", START, 36)
    history = History("BTC/USD", timeframe="1h")
    for bar in bars:
        history.append(bar)
        signal = agent.on_bar(bar, history)
        close = bar.ts + HOUR
        expected = [h for h in headlines if close - max_age * HOUR < h.published_at <= close]
        assert {h.id for h in agent.active_headlines} == {h.id for h in expected}
        if not expected:
            assert signal is None
            continue
        weights = [2.0 ** (-(close - h.published_at) / (half_life * HOUR)) for h in expected]
        net = sum(vader(h.title) * w for h, w in zip(expected, weights, strict=True))
        mean = net / sum(weights)
        if abs(mean) <= 0.05:
            assert signal.direction is Direction.FLAT and signal.strength == 0.0
        else:
            assert signal.direction is (Direction.LONG if mean > 0 else Direction.SHORT)
            assert signal.strength == pytest.approx(min(1.0, abs(net)), abs=1e-9)
        assert (signal.symbol, signal.ts, signal.agent) == ("BTC/USD", bar.ts, "news")


def test_impact_halves_every_half_life() -> None:
    title = "Bitcoin wins approval"
    published = START + HOUR  # bar 0's close
    agent, _ = agent_over([news("a", title, published)], half_life_hours=12, max_age_hours=48)
    signals = run(agent, hourly("BTC/USD", START, 30))
    assert signals[0].strength == pytest.approx(vader(title))
    assert signals[12].strength == pytest.approx(vader(title) / 2)
    assert signals[24].strength == pytest.approx(vader(title) / 4)
    assert signals[0].direction is Direction.LONG


def test_after_max_age_the_agent_abstains() -> None:
    agent, _ = agent_over([news("a", "Bitcoin gains", START + HOUR)], max_age_hours=24)
    signals = run(agent, hourly("BTC/USD", START, 30))
    # Bar k closes k hours after the headline: at bar 24 it is 24 h old and no longer counts.
    assert signals[23] is not None and signals[24] is None


def test_rationale_reads_the_signal() -> None:
    hack = news("a", "Exchange hacked, bitcoin wallets drained", START + HOUR)
    gain = news("b", "Bitcoin gains", START + 3 * HOUR + 30 * 60_000)
    agent, _ = agent_over([hack, gain])
    signals = run(agent, hourly("BTC/USD", START, 5))
    assert signals[2].rationale == (
        "news negative: 1 BTC headline in the last 72h, impact halving every 12h; scores (newest "
        f'first) {vader_overlay(hack.title):+.2f}; latest 2018-01-05 01:00 UTC: "{hack.title}" '
        "(Wire)"
    )
    # The same words while nothing arrives (only strength and confidence decay) ...
    assert signals[1].rationale == signals[2].rationale
    assert signals[1].strength > signals[2].strength
    # ... and new words when a headline arrives.
    assert signals[3].rationale.startswith("news negative: 2 BTC headlines in the last 72h")
    assert "scores (newest first) +0.34, -0." in signals[3].rationale
    assert 'latest 2018-01-05 03:30 UTC: "Bitcoin gains" (Wire)' in signals[3].rationale


def vader_overlay(title: str) -> float:
    from deepalpha_agent_news.sentiment import SentimentScorer

    return SentimentScorer().score(title)


# -- fixture feeds over loopback: dates, offsets, duplicates, future, two currencies ---------------

FEEDS = {
    "/feed": (200, "application/rss+xml", (FIXTURES / "wire.rss").read_bytes()),
    "/atom": (200, "application/atom+xml", (FIXTURES / "wire.atom").read_bytes()),
}


def feed_agent(url: str) -> NewsAgent:
    sources = [RSSSource(RSSOptions(url=url + "/feed")), RSSSource(RSSOptions(url=url + "/atom"))]
    return NewsAgent(NewsOptions(), sources=sources)


def test_feeds_end_to_end_for_two_symbols() -> None:
    with serve(dict(FEEDS)) as server:
        btc, eth = feed_agent(server.url), feed_agent(server.url)
        btc_seen = visible(btc, hourly("BTC/USD", START, 48))
        eth_seen = visible(eth, hourly("ETH/USD", START, 48))
    # Bar 8 closes at 09:00 UTC: wire-1 (08:00 UTC, written 10:00 +0200) and nothing else.
    assert btc_seen[7] == {"wire-1"}
    # By 16:00 UTC: wire-2 (12:30 GMT), urn:atom:1 (16:45 +05:30 = 11:15 UTC) and urn:atom:3
    # (07:00 -08:00 = 15:00 UTC, names both coins). Not wire-9 (same story as wire-1), not wire-3
    # (undated), not wire-4 (2030), not wire-5 (Ethereum only).
    assert btc_seen[15] == {"wire-1", "wire-2", "urn:atom:1", "urn:atom:3"}
    assert btc_seen[47] == btc_seen[15]
    # Ethereum: wire-5 (09:15 -0500 = 14:15 UTC) from bar 14 (closes 15:00), urn:atom:3 from 15:00.
    assert eth_seen[13] == set() and eth_seen[14] == {"wire-5", "urn:atom:3"}
    assert eth_seen[47] == {"wire-5", "urn:atom:3"}


def test_contract_on_two_symbols_over_loopback_feeds() -> None:
    with serve(dict(FEEDS)) as server:
        btc = check_agent(
            lambda: feed_agent(server.url),
            hourly("BTC/USD", START, 60),
            hourly("ETH/USD", START, 60),
        )
        eth = check_agent(lambda: feed_agent(server.url), hourly("ETH/USD", START, 60))
    assert btc[15].direction is Direction.SHORT  # the hack and the slump outweigh the rally
    assert eth[14] is not None and btc != eth


def test_api_headlines_end_to_end_for_two_symbols() -> None:
    def page(_path: str):
        # The same page whatever ?currencies= asks: each item's tags decide whom it is about.
        results = [
            post(9, "Bitcoin ETF approval in 2030", "2030-01-01T00:00:00Z", ["BTC"]),
            post(4, "Bitcoin rallies", "2018-01-05T10:00:00+02:00", ["BTC"]),  # 08:00 UTC
            post(4, "Bitcoin rallies", "2018-01-05T10:00:00+02:00", ["BTC"]),  # same id again
            post(3, "No date", None, ["BTC", "ETH"]),
            post(2, "Ethereum slumps", "2018-01-05T04:00:00-05:00", ["ETH"]),  # 09:00 UTC
        ]
        body = {
            "next": None,
            "previous": None,
            "results": results,
        }
        return 200, "application/json", json.dumps(body).encode()

    with serve({"/api/developer/v2/posts/": page}) as server:
        options = CryptoPanicOptions(auth_token="tok", base_url=server.url)
        btc = NewsAgent(sources=[CryptoPanicSource(options)])
        eth = NewsAgent(sources=[CryptoPanicSource(options)])
        btc_seen = visible(btc, hourly("BTC/USD", START, 30))
        eth_seen = visible(eth, hourly("ETH/USD", START, 30))
    assert btc_seen[6] == set() and btc_seen[7] == {"cryptopanic:4"}  # bar 7 closes 08:00
    assert btc_seen[29] == {"cryptopanic:4"}  # once, never the 2030 item, never the undated one
    assert eth_seen[7] == set() and eth_seen[8] == {"cryptopanic:2"}
    assert eth_seen[29] == {"cryptopanic:2"}


def post(ident, title, published, codes) -> dict:
    return {
        "id": ident,
        "title": title,
        "published_at": published,
        "kind": "news",
        "source": {"title": "Desk"},
        "currencies": [{"code": c} for c in codes],
        "votes": {},
    }


def test_btc_and_eth_headlines_do_not_leak_into_each_other() -> None:
    btc_only = [
        news("b1", "Bitcoin gains", START + 2 * HOUR),
        news("b2", "Markets slump", START + 5 * HOUR, currencies=("BTC", "ETH")),
        news("b3", "Bitcoin miners fear losses", START + 7 * HOUR, currencies=()),
    ]
    eth_only = [
        news("e1", "Ethereum hacked", START + 3 * HOUR, currencies=("ETH",)),
        news("e2", "Ethereum soars; bitcoin quiet", START + 4 * HOUR, currencies=("ETH",)),
        news("e3", "Ether wins approval", START + 6 * HOUR, currencies=()),
    ]
    generic = [news("g1", "Crypto markets crash", START + 8 * HOUR, currencies=())]
    bars = hourly("BTC/USD", START, 24)
    alone = run(agent_over(btc_only)[0], bars)
    mixed = run(agent_over(btc_only + eth_only + generic)[0], bars)
    assert mixed == alone
    eth = agent_over(btc_only + eth_only + generic)[0]
    assert visible(eth, hourly("ETH/USD", START, 24))[-1] == {"b2", "e1", "e2", "e3"}
    # Market-wide news counts for every symbol only when asked for.
    wide = agent_over(btc_only + eth_only + generic, market_wide=True)[0]
    assert visible(wide, bars)[-1] == {"b1", "b2", "b3", "g1"}


def test_one_agent_serves_one_symbol() -> None:
    agent, _ = agent_over([])
    run(agent, hourly("BTC/USD", START, 2))
    with pytest.raises(ValueError, match="serves BTC/USD, got a bar of ETH/USD"):
        run(agent, hourly("ETH/USD", START + 2 * HOUR, 1))


def test_symbol_currencies() -> None:
    assert currency_of("BTC/USDT:USDT") == "BTC"
    assert currency_of("XBTUSD", {"XBTUSD": "btc"}) == "BTC"
    agent, _ = agent_over(
        [news("a", "Bitcoin gains", START + HOUR)], symbol_currencies={"XBTUSD": "BTC"}
    )
    assert run(agent, hourly("XBTUSD", START, 2))[1] is not None


# -- fetching --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_days", [0.25, 1.0, 30.0])
def test_backtest_fetches_the_window_in_contiguous_chunks(chunk_days: float) -> None:
    headlines = [
        news(f"n{i}", "Bitcoin gains", START + i * 7 * HOUR, source=f"S{i}") for i in range(40)
    ]
    bars = hourly("BTC/USD", START, 240)
    reference = run(agent_over(headlines, chunk_days=1000, max_age_hours=24)[0], bars)
    agent, source = agent_over(headlines, chunk_days=chunk_days, max_age_hours=24)
    assert run(agent, bars) == reference
    calls = source.calls
    assert calls[0][1] == START + HOUR - 24 * HOUR  # first close minus max_age
    assert all(a[2] == b[1] for a, b in itertools.pairwise(calls))  # no gap, no overlap
    assert calls[-1][2] > bars[-1].ts + HOUR  # the last bar's close was covered
    assert len(calls) == math.ceil(240 / (chunk_days * 24))  # one call per chunk, not per bar


def test_a_failing_source_is_logged_once_and_the_others_still_count(caplog) -> None:
    class Broken(NewsSource):
        name = "broken"

        def fetch(self, currency, since, until):
            raise RuntimeError("feed is down\nsecond line")

    good = StaticSource([news("a", "Bitcoin gains", START + HOUR)])
    agent = NewsAgent(NewsOptions(chunk_days=0.5), sources=[Broken(), good])
    with caplog.at_level(logging.DEBUG, logger="deepalpha.agents.news"):
        signals = run(agent, hourly("BTC/USD", START, 48))
    assert signals[1] is not None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].getMessage().startswith("news: source broken failed for BTC in [")
    assert warnings[0].getMessage().endswith("feed is down")


def test_live_polls_at_most_every_poll_seconds_and_never_shows_the_future() -> None:
    t0 = ms(2026, 3, 2, 10)
    clock = {"now": 0.0}
    headlines = [
        news("old", "Bitcoin gains", t0 - 2 * HOUR),
        news("late", "Bitcoin loses support", t0 + HOUR + 2_000),  # 2 s after bar 0's close
        news("next", "Bitcoin wins approval", t0 + 2 * HOUR + 30 * 60_000),
    ]
    source = StaticSource(headlines)
    agent = NewsAgent(
        NewsOptions(poll_seconds=2 * 3600), sources=[source], clock=lambda: clock["now"]
    )
    history = History("BTC/USD", timeframe="1h")

    def bar_at(k: int):
        bar = hourly("BTC/USD", t0 + k * HOUR, 1)[0]
        clock["now"] = (bar.ts + HOUR + 5_000) / 1000  # the bar arrives 5 s after its close
        history.append(bar)
        agent.on_bar(bar, history)
        agent.wait_for_poll(5)
        return {h.id for h in agent.active_headlines}

    # Bar 0: one synchronous catch-up fetch up to "now"; "late" was fetched but is after the close.
    assert bar_at(0) == {"old"} and len(source.calls) == 1
    assert source.calls[0][2] == t0 + HOUR + 5_001
    assert bar_at(1) == {"old", "late"}  # taken at the next close; no poll yet (1 h < 2 h)
    assert len(source.calls) == 1
    assert bar_at(2) == {"old", "late"}  # a poll starts in the background
    assert len(source.calls) == 2
    assert source.calls[1][1] == t0 + HOUR + 5_001 - HOUR  # re-reads the last hour
    assert bar_at(3) == {"old", "late", "next"}  # its result is taken at the next bar
    assert len(source.calls) == 2
    agent.close()


# -- LLM scoring -----------------------------------------------------------------------------------


def test_llm_scores_each_headline_once_and_is_blended() -> None:
    title = "Exchange hacked, bitcoin wallets drained"
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 1.0, "priced in")])
    agent = NewsAgent(
        NewsOptions(), sources=[StaticSource([news("a", title, START + HOUR)])], llm=llm
    )
    signals = run(agent, hourly("BTC/USD", START, 10))
    lexicon = agent.scorer.score(title)
    assert lexicon < -0.3
    assert signals[1].direction is Direction.LONG  # 0.5 x lexicon + 0.5 x (+1.0) > 0
    assert signals[1].strength == pytest.approx((0.5 * lexicon + 0.5) * 2 ** (-1 / 12))
    assert len(llm.prompts) == 1 and "Headline: " + title in llm.prompts[0]


def test_llm_failure_falls_back_to_the_lexicon() -> None:
    title = "Exchange hacked, bitcoin wallets drained"
    agent = NewsAgent(
        NewsOptions(),
        sources=[StaticSource([news("a", title, START + HOUR)])],
        llm=ScriptedLLM([LLMError("offline")]),
    )
    signal = run(agent, hourly("BTC/USD", START, 2))[0]
    assert signal.direction is Direction.SHORT
    assert signal.strength == pytest.approx(-agent.scorer.score(title))


def test_llm_is_off_by_default_and_a_misnamed_provider_is_a_clear_error() -> None:
    assert NewsOptions().llm is None
    with pytest.raises(ValueError, match=r"^llm: .*'nope'"):
        NewsAgent(NewsOptions(llm=LLMScoring(provider="nope")), sources=[])
