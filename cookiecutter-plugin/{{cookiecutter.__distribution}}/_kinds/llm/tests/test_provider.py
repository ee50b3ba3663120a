"""The ``{{ cookiecutter.plugin_name }}`` provider against the ``LLMProvider`` contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deepalpha.domain import Action
from deepalpha.errors import LLMError
from deepalpha.llm import LLMAnswer, LLMProvider

from {{ cookiecutter.__package }}.options import {{ cookiecutter.__class_prefix }}Options
from {{ cookiecutter.__package }}.plugin import build

SYSTEM = "Answer with a JSON object: action (buy, sell or hold), confidence, rationale."
PROMPTS = {
    "BTC/USD": "Symbol: BTC/USD\n- technical: long strength 0.80\n- trend: long strength 0.40",
    "ETH/USD": "Symbol: ETH/USD\n- technical: short strength 0.70\n- trend: long strength 0.10"
    "\n- risk: short strength 1.00",
}


@pytest.fixture
def provider() -> Iterator[LLMProvider]:
    provider = build({{ cookiecutter.__class_prefix }}Options())
    yield provider
    provider.close()


def test_honours_the_provider_contract(provider: LLMProvider) -> None:
    assert isinstance(provider, LLMProvider)
    assert provider.name == "{{ cookiecutter.plugin_name }}" and provider.model
    for prompt in PROMPTS.values():
        answer = provider.decide(SYSTEM, prompt)
        assert isinstance(answer, LLMAnswer)
        assert isinstance(answer.action, Action)
        assert 0.0 <= answer.confidence <= 1.0 and answer.rationale
        # Answers are recorded and replayed by prompt: the same prompt, the same answer.
        assert provider.decide(SYSTEM, prompt) == answer


def test_answers_follow_the_words_of_each_symbols_prompt(provider: LLMProvider) -> None:
    btc = provider.decide(SYSTEM, PROMPTS["BTC/USD"])
    assert (btc.action, btc.confidence) == (Action.BUY, pytest.approx(0.8))  # 2 long, 0 short
    eth = provider.decide(SYSTEM, PROMPTS["ETH/USD"])
    assert (eth.action, eth.confidence) == (Action.SELL, pytest.approx(0.8 / 3))  # 1 long, 2 short
    assert provider.decide(SYSTEM, "long and short").action is Action.HOLD


def test_a_failure_is_an_llm_error(provider: LLMProvider) -> None:
    """The engine holds on LLMError; any other exception would be a bug in the provider."""
    with pytest.raises(LLMError):
        provider.decide(SYSTEM, "   ")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_confidence": 0}, "max_confidence: must be in (0, 1], got 0"),
        ({"buy_words": []}, "buy_words: must name at least one word"),
        ({"sell_words": ["buy"]}, "sell_words: buy also in buy_words"),
        ({"sell_words": "sell"}, "sell_words: must be a list of non-empty words, got 'sell'"),
    ],
)
def test_bad_options_name_the_field(changes: dict, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        {{ cookiecutter.__class_prefix }}Options(**changes)
    assert str(excinfo.value) == message
