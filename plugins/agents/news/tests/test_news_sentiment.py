"""VADER with the crypto overlay: the overlay's words count, phrases work, the rest is VADER."""

from __future__ import annotations

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer
from deepalpha.testing import ScriptedLLM
from deepalpha_agent_news.sentiment import CRYPTO_LEXICON, LLMScorer, SentimentScorer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

scorer = SentimentScorer()
plain = SentimentIntensityAnalyzer()  # VADER as shipped: the independent reference


@pytest.mark.parametrize(
    "text",
    [
        "Bitcoin developers publish notes from their monthly call",
        "Great news for a terrible week!!",
        "The market is not good but not bad either",
    ],
)
def test_text_without_overlay_terms_scores_exactly_as_vader(text: str) -> None:
    assert scorer.score(text) == plain.polarity_scores(text)["compound"]


@pytest.mark.parametrize(
    "text",
    [
        "Exchange hack hits users",
        "DeFi rug leaves holders empty-handed",
        "Token delisting announced",
    ],
)
def test_crypto_words_vader_misses_are_negative(text: str) -> None:
    assert plain.polarity_scores(text)["compound"] == 0.0  # VADER alone sees nothing
    assert scorer.score(text) < -0.3


@pytest.mark.parametrize(
    "text", ["Rug pull at token X", "rug-pull at token X", "RUG PULL at token X", "Rugpull at X"]
)
def test_phrases_match_with_spaces_hyphens_and_any_case(text: str) -> None:
    # One overlay entry of -3.2 alone in a sentence: VADER's normalisation x / sqrt(x^2 + 15).
    expected = round(-3.2 / (3.2**2 + 15) ** 0.5, 4)
    assert scorer.score(text) == pytest.approx(expected, abs=1e-4)


def test_etf_approval_is_good_news_and_negation_turns_it() -> None:
    assert scorer.score("SEC grants ETF approval") > 0.5
    assert scorer.score("SEC grants no ETF approval") < 0


def test_halving_is_positive_and_liquidations_negative() -> None:
    assert scorer.score("Miners prepare for the halving") > 0
    assert scorer.score("Liquidations sweep futures") < 0


def test_user_terms_are_laid_over_the_overlay() -> None:
    custom = SentimentScorer(extra={"hack": 2.0, "moon shot": 3.0})
    assert custom.score("Exchange hack") > 0
    assert custom.score("A moon-shot launch") > 0
    assert scorer.score("Exchange hack") < 0  # the shared default is untouched


def test_lexicon_entries_are_checked() -> None:
    with pytest.raises(ValueError, match=r"lexicon: 'hack' has valence 9; must be in \[-4, 4\]"):
        SentimentScorer(extra={"hack": 9})


def test_overlay_values_are_on_vaders_scale() -> None:
    assert all(-4 <= v <= 4 for v in CRYPTO_LEXICON.values())
    assert {"hack", "exploit", "rug", "rugpull", "halving", "etf approval", "delisting"} <= set(
        CRYPTO_LEXICON
    )


def test_llm_blend_and_prompt() -> None:
    llm = ScriptedLLM([LLMAnswer(Action.BUY, 0.8, "good"), LLMAnswer(Action.SELL, 0.4, "bad")])
    blend = LLMScorer(llm, weight=0.25)
    assert blend.blend(-0.6, "Exchange hack", "Wire", "BTC") == pytest.approx(0.75 * -0.6 + 0.2)
    assert blend.blend(0.2, "x", "", "ETH") == pytest.approx(0.75 * 0.2 - 0.1)
    assert "Currency: BTC" in llm.prompts[0] and "Headline: Exchange hack" in llm.prompts[0]


def test_llm_failure_leaves_the_lexicon_score() -> None:
    blend = LLMScorer(ScriptedLLM([LLMError("down")]), weight=0.9)
    assert blend.blend(-0.6, "Exchange hack", "Wire", "BTC") == -0.6
    assert blend.failures == 1
