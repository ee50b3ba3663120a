"""Options of the ``{{ cookiecutter.plugin_name }}`` provider: ``llm_providers.<name>.options``.

The config loader builds this class from the user's mapping: an unknown key is an error, and the
``ValueError`` of a validator is shown after the key path, so messages start with the field name.
"""

from __future__ import annotations

import attrs
from attrs import field, frozen


def _word_list(name: str, default: tuple[str, ...]):
    """A list of words from the config, lower-cased; anything else names the field."""

    def convert(value: object) -> tuple[str, ...]:
        valid = isinstance(value, list | tuple) and all(
            isinstance(w, str) and w.strip() for w in value
        )
        if not valid:
            raise ValueError(f"{name}: must be a list of non-empty words, got {value!r}")
        return tuple(w.strip().lower() for w in value)

    return field(default=default, converter=convert)


def _unit(_instance: object, attribute: attrs.Attribute, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{attribute.name}: must be in (0, 1], got {value!r}")


@frozen
class {{ cookiecutter.__class_prefix }}Options:
    #: Words that count for buying (whole words, any case).
    buy_words: tuple[str, ...] = _word_list("buy_words", ("long", "buy", "bullish"))
    #: Words that count for selling.
    sell_words: tuple[str, ...] = _word_list("sell_words", ("short", "sell", "bearish"))
    #: Confidence of an answer when every counted word points one way.
    max_confidence: float = field(default=0.8, validator=_unit)

    def __attrs_post_init__(self) -> None:
        for name in ("buy_words", "sell_words"):
            if not getattr(self, name):
                raise ValueError(f"{name}: must name at least one word")
        if both := set(self.buy_words) & set(self.sell_words):
            raise ValueError(f"sell_words: {', '.join(sorted(both))} also in buy_words")
