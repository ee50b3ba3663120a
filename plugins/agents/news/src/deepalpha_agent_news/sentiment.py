"""Scoring a headline: VADER with a crypto lexicon overlay, optionally blended with an LLM's view.

VADER (``vaderSentiment``, MIT, its 7,519-entry lexicon bundled: nothing is downloaded) knows
general English but none of the words crypto news turns on: "hack", "rug pull", "halving",
"delisting", "bullish" are not in it. ``CRYPTO_LEXICON`` adds them on VADER's own scale (-4 to +4
per word), so VADER's rules still apply to them: negation ("no ETF approval"), boosters
("massive hack"), capitals, "but".

VADER looks words up one token at a time, so a phrase ("rug pull", "ETF approval", "all-time
high") is rewritten into one token before scoring (``etf_approval``); the phrase matches with spaces
or hyphens between its words and in any case ("rug-pull", "Rug Pull").

The score of a headline is VADER's ``compound`` in [-1, 1]. With an LLM configured, the score is
``(1 - weight) * lexicon + weight * llm``, where the LLM's answer counts ``+confidence`` for buy,
``-confidence`` for sell and 0 for hold; if the LLM fails, the lexicon score stands alone.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Mapping

from deepalpha.llm import LLMProvider

log = logging.getLogger("deepalpha.agents.news")

#: Valences on VADER's scale (-4 most negative .. +4 most positive). Phrases may hold spaces or
#: hyphens. Values are judgement, kept moderate: a single word should not outweigh a sentence.
CRYPTO_LEXICON: dict[str, float] = {
    # security incidents and failures
    "hack": -3.0,
    "hacks": -3.0,
    "hacked": -3.0,
    "hacker": -2.5,
    "hackers": -2.5,
    "exploit": -2.8,
    "exploits": -2.8,
    "exploited": -2.8,
    "drained": -2.5,
    "theft": -2.8,
    "rug": -3.0,
    "rugged": -3.0,
    "rugpull": -3.2,
    "rug pull": -3.2,
    "rug pulled": -3.2,
    "exit scam": -3.4,
    "ponzi": -3.0,
    "depeg": -2.6,
    "depegs": -2.6,
    "depegged": -2.6,
    "insolvent": -3.0,
    "insolvency": -3.0,
    "bankruptcy": -3.0,
    "halts withdrawals": -3.0,
    "withdrawals halted": -3.0,
    "suspends withdrawals": -3.0,
    "outage": -1.5,
    # markets, listings, regulation
    "delist": -2.4,
    "delists": -2.4,
    "delisted": -2.4,
    "delisting": -2.4,
    "listing": 1.5,
    "liquidation": -1.8,
    "liquidations": -1.8,
    "liquidated": -2.0,
    "crackdown": -2.2,
    "sues": -1.8,
    "bans": -2.6,
    "etf approval": 3.0,
    "etf approved": 3.0,
    "approves etf": 3.0,
    "etf rejection": -2.5,
    "etf rejected": -2.5,
    "rejects etf": -2.5,
    "etf denied": -2.5,
    "etf delayed": -1.5,
    "halving": 1.5,
    "halvening": 1.5,
    "adoption": 1.5,
    "partnership": 1.5,
    "upgrade": 1.2,
    "mainnet launch": 1.8,
    # price talk
    "bullish": 2.0,
    "bearish": -2.0,
    "rally": 1.8,
    "rallies": 1.8,
    "surge": 1.8,
    "surges": 1.8,
    "soar": 2.0,
    "soars": 2.0,
    "jumps": 1.2,
    "rises": 1.0,
    "falls": -1.0,
    "drops": -1.1,
    "plunge": -2.2,
    "plunges": -2.2,
    "tumble": -2.0,
    "tumbles": -2.0,
    "slump": -2.0,
    "slumps": -2.0,
    "crashes": -2.5,
    "selloff": -2.0,
    "sell-off": -2.0,
    "capitulation": -2.2,
    "all-time high": 2.5,
    "record high": 2.3,
    "moon": 1.5,
    "mooning": 2.0,
    "rekt": -2.5,
    "fud": -1.5,
    "pump and dump": -2.5,
    "short squeeze": 1.0,
}

_SPLIT = re.compile(r"[\s\-]+")


def _words(phrase: str) -> list[str]:
    return [w for w in _SPLIT.split(phrase.strip().lower()) if w]


def _token(words: list[str]) -> str:
    return "_".join(words)


@functools.cache
def _vader():
    """One analyzer per process (building it parses the 7,519-line lexicon, ~20 ms)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def check_lexicon(lexicon: Mapping[str, float], name: str = "lexicon") -> None:
    """Refuse entries VADER cannot use: empty terms and valences outside [-4, 4]."""
    for term, valence in lexicon.items():
        if not _words(term):
            raise ValueError(f"{name}: empty term {term!r}")
        if not isinstance(valence, int | float) or not -4.0 <= valence <= 4.0:
            raise ValueError(f"{name}: {term!r} has valence {valence!r}; must be in [-4, 4]")


class SentimentScorer:
    """VADER with an overlay; ``score(text)`` is the compound score in [-1, 1].

    ``overlay`` defaults to ``CRYPTO_LEXICON``; ``extra`` (the agent's ``lexicon`` option) is laid
    over it, so a user can add terms or change a valence. The analyzer is a shallow copy of one
    shared instance with its own lexicon dictionary: the 7,519 base entries are parsed once.
    """

    def __init__(
        self,
        overlay: Mapping[str, float] | None = None,
        extra: Mapping[str, float] | None = None,
    ) -> None:
        terms = dict(CRYPTO_LEXICON if overlay is None else overlay)
        terms.update(extra or {})
        check_lexicon(terms)
        base = _vader()
        self._analyzer = copy.copy(base)
        lexicon = dict(base.lexicon)
        phrases: list[list[str]] = []
        for term, valence in terms.items():
            words = _words(term)
            lexicon[_token(words)] = float(valence)
            if len(words) > 1:
                phrases.append(words)
        self._analyzer.lexicon = lexicon
        self.terms = terms
        # Longest phrases first, so "rug pulled" wins over "rug pull" where both could match.
        phrases.sort(key=len, reverse=True)
        self._phrases = (
            re.compile(
                "|".join(
                    r"(?<!\w)" + r"[\s\-]+".join(map(re.escape, words)) + r"(?!\w)"
                    for words in phrases
                ),
                re.IGNORECASE,
            )
            if phrases
            else None
        )

    def prepare(self, text: str) -> str:
        """``text`` with every overlay phrase joined into its single token."""
        if self._phrases is None:
            return text
        return self._phrases.sub(lambda m: _token(_words(m.group(0))), text)

    def score(self, text: str) -> float:
        return float(self._analyzer.polarity_scores(self.prepare(text))["compound"])


SYSTEM_PROMPT = (
    "You rate one crypto news headline for its likely effect on the price of one currency over "
    "the next day. Answer buy if it is good news for that price, sell if it is bad news, hold if "
    "it does not matter. confidence is how strong the effect is, from 0 to 1."
)


class LLMScorer:
    """Asks an ``LLMProvider`` about each headline once; failures fall back to the lexicon."""

    def __init__(self, provider: LLMProvider, weight: float) -> None:
        self.provider = provider
        self.weight = float(weight)
        self.failures = 0

    def prompt(self, title: str, source: str, currency: str) -> str:
        return f"Currency: {currency}\nHeadline: {title}\nSource: {source or 'unknown'}"

    def blend(self, lexicon_score: float, title: str, source: str, currency: str) -> float:
        try:
            answer = self.provider.decide(SYSTEM_PROMPT, self.prompt(title, source, currency))
            action = getattr(answer.action, "value", answer.action)
            sign = {"buy": 1.0, "sell": -1.0}.get(action, 0.0)
            llm_score = sign * float(answer.confidence)
        except Exception as exc:  # any provider failure: the lexicon score stands
            self.failures += 1
            log.warning("news: LLM %s could not score a headline (%s)", self.provider.name, exc)
            return lexicon_score
        return (1.0 - self.weight) * lexicon_score + self.weight * llm_score
