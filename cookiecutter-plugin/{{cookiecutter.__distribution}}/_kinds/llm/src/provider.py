"""The ``{{ cookiecutter.plugin_name }}`` LLM provider.

The core writes the prompt from the agents' signals, records every answer and replays it for the
same prompt; a provider only carries one prompt to a model and returns a validated ``LLMAnswer``.
This one is a deterministic offline stand-in (it counts words) so that the plugin works and tests
out of the box. To use a real model, replace the body of ``decide`` with the call, and keep the
contract: return an ``LLMAnswer``; raise ``LLMError`` for anything that goes wrong (transport,
timeout, an answer that does not parse), so that the engine holds instead of trading on it.
"""

from __future__ import annotations

import re

from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer, LLMProvider

from .options import {{ cookiecutter.__class_prefix }}Options

_WORD = re.compile(r"[a-z]+")


class {{ cookiecutter.__class_prefix }}Provider(LLMProvider):
    name = "{{ cookiecutter.plugin_name }}"
    #: Part of the key answers are recorded under: change it when the model (or rule) changes,
    #: so that answers of the old one are never replayed.
    model = "word-count-1"

    def __init__(self, options: {{ cookiecutter.__class_prefix }}Options | None = None) -> None:
        self.options = options if options is not None else {{ cookiecutter.__class_prefix }}Options()

    def decide(self, system: str, prompt: str) -> LLMAnswer:
        if not isinstance(prompt, str) or not prompt.strip():
            raise LLMError(f"{self.name}: empty prompt")
        words = _WORD.findall(prompt.lower())
        o = self.options
        buy = sum(words.count(w) for w in o.buy_words)
        sell = sum(words.count(w) for w in o.sell_words)
        if buy == sell:
            return LLMAnswer(Action.HOLD, 0.5, f"{buy} buy and {sell} sell words: balanced")
        action = Action.BUY if buy > sell else Action.SELL
        confidence = o.max_confidence * abs(buy - sell) / (buy + sell)
        return LLMAnswer(action, confidence, f"{buy} buy and {sell} sell words: {action.value}")
