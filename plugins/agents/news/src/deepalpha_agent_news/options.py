"""Options of the news agent, validated when the configuration is loaded.

Kept import-light (attrs only): ``plugin.py`` imports this module for ``deepalpha plugins list``.
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import field, frozen

#: Names a headline may use for a currency when its source does not tag it (matched as whole
#: words, in any case). A currency missing here is matched by its code alone.
DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "BTC": ("bitcoin", "btc", "xbt"),
    "ETH": ("ethereum", "ether", "eth"),
    "SOL": ("solana", "sol"),
    "XRP": ("ripple", "xrp"),
    "LTC": ("litecoin", "ltc"),
    "ADA": ("cardano", "ada"),
    "DOGE": ("dogecoin", "doge"),
    "BNB": ("binance coin", "bnb"),
}

SAMPLE = "bundled:sample"


def _masked(options: dict[str, Any]) -> str:
    """``repr`` of a source's options with keys, tokens and passwords shown as ``***``."""
    from deepalpha.config import mask_secrets

    return repr(mask_secrets(options))


def _non_empty(_inst: object, attribute: attrs.Attribute, value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name}: must not be empty")


def _positive(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name}: must be > 0, got {value!r}")


def _unit(_inst: object, attribute: attrs.Attribute, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name}: must be in [0, 1], got {value!r}")


@frozen
class SourceConfig:
    """One configured news source: ``source`` is an installed name (``rss``, ``cryptopanic``,
    ``folder``, or a third party's) or a class path ``package.module:Class``."""

    source: str = field(validator=_non_empty)
    options: dict[str, Any] = field(factory=dict, repr=_masked)
    #: Multiplies the impact of this source's headlines.
    weight: float = field(default=1.0, validator=_positive)


@frozen
class LLMScoring:
    """Score headlines with an LLM provider as well (off unless configured)."""

    #: An LLM provider name, as under ``llm_providers.<name>.provider`` (``openai``, ``smollm``).
    provider: str = field(validator=_non_empty)
    options: dict[str, Any] = field(factory=dict, repr=_masked)
    #: Share of the LLM in a headline's score; the lexicon has the rest.
    weight: float = field(default=0.5, validator=_unit)


def _default_sources() -> tuple[SourceConfig, ...]:
    return (SourceConfig("folder", {"path": SAMPLE}),)


@frozen
class NewsOptions:
    #: Where headlines come from. Default: the bundled SAMPLE folder (synthetic headlines,
    #: 2017-07..2019-10), so the agent runs offline; configure real sources for real use.
    sources: tuple[SourceConfig, ...] = field(factory=_default_sources)
    #: A headline's impact halves every this many hours.
    half_life_hours: float = field(default=12.0, validator=_positive)
    #: Headlines older than this no longer count; with none younger the agent abstains.
    max_age_hours: float = field(default=72.0, validator=_positive)
    #: |mean sentiment| below this reads as neutral (direction flat).
    neutral_band: float = field(default=0.05, validator=_unit)
    #: Count untagged headlines whose title names no known currency (``aliases``) for every
    #: symbol ("Crypto markets slump"); off: such headlines count for none.
    market_wide: bool = False
    #: Extra names per currency code, merged over ``DEFAULT_ALIASES``.
    aliases: dict[str, list[str]] = field(factory=dict)
    #: The currency of a symbol when it is not the part before "/" (``{"XBTUSD": "BTC"}``).
    symbol_currencies: dict[str, str] = field(factory=dict)
    #: Extra lexicon terms (words or phrases) with valences in [-4, 4], over the crypto overlay.
    lexicon: dict[str, float] = field(factory=dict)
    #: Backtests fetch headlines this many days ahead of the bar at a time.
    chunk_days: float = field(default=30.0, validator=_positive)
    #: Live and paper runs ask the sources for new headlines at most this often.
    poll_seconds: float = field(default=60.0, validator=_positive)
    llm: LLMScoring | None = None

    def __attrs_post_init__(self) -> None:
        if not self.sources:
            raise ValueError(
                "sources: at least one news source is required, for example "
                "[{source: folder, options: {path: bundled:sample}}]"
            )
        if self.max_age_hours < self.half_life_hours:
            raise ValueError(
                f"max_age_hours: must be >= half_life_hours ({self.half_life_hours:g}), "
                f"got {self.max_age_hours:g}"
            )
        for code, names in self.aliases.items():
            if not all(isinstance(n, str) and n.strip() for n in names):
                raise ValueError(f"aliases: the names of {code} must be non-empty, got {names!r}")
        for term, valence in self.lexicon.items():
            if not term.strip():
                raise ValueError(f"lexicon: empty term {term!r}")
            if not -4.0 <= valence <= 4.0:
                raise ValueError(f"lexicon: {term!r} has valence {valence!r}; must be in [-4, 4]")
