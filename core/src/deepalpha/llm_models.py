"""What DeepAlpha knows of each model: its price per token and its training-data cutoff.

Two facts the engine needs about every model it calls, and that no API reports:

* **price**: US dollars per million input and output tokens, to account for every call and stop
  at a budget. The defaults below are the vendors' published list prices (standard tier, no
  batch or cache discounts) as of ``PRICES_AS_OF``; prices change, so
  ``llm_providers.<name>.price`` overrides them. A model with no known price and no configured
  one is charged $0 and the run says so (``unpriced`` calls in the accounting).
* **cutoff**: the last date the model's training data covers. A backtest over bars before it can
  be flattered by what the model remembers of that market (look-ahead through the model's
  memory), so such windows are flagged (``llm_providers.<name>.cutoff`` overrides). Where a
  vendor publishes both a "reliable knowledge" and a "training data" cutoff, the later one is
  used: it is when memory of the market can stop. Where no cutoff is published, the model's
  release date is used, a safe upper bound: a model cannot remember bars from after its release.
  A model with no known date at all is treated as exposed over every window.

Models are matched by the longest known prefix of their identifier, so dated snapshots
(``gpt-4o-mini-2024-07-18``, ``claude-sonnet-4-20250514``) find their family.
"""

from __future__ import annotations

from datetime import date

from attrs import frozen

#: When the default prices below were taken from the vendors' pricing pages.
PRICES_AS_OF = "2025-10-01"


@frozen
class ModelFacts:
    #: US dollars per million input tokens (``None``: unknown).
    input_per_mtok: float | None = None
    #: US dollars per million output tokens (``None``: unknown).
    output_per_mtok: float | None = None
    #: Last date of the training data (``None``: unknown, every window is exposed).
    cutoff: date | None = None
    #: Where the figures come from, shown by ``deepalpha llm models``.
    note: str = ""

    @property
    def priced(self) -> bool:
        return self.input_per_mtok is not None and self.output_per_mtok is not None

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """US dollars for the tokens; 0.0 when the price is unknown."""
        if not self.priced:
            return 0.0
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


def _d(text: str) -> date:
    return date.fromisoformat(text)


#: Defaults by model-identifier prefix. Cutoffs: the vendors' model documentation.
KNOWN: dict[str, ModelFacts] = {
    # OpenAI: list prices per 1M tokens; cutoffs from the model pages.
    "gpt-4o-mini": ModelFacts(0.15, 0.60, _d("2023-10-01"), "OpenAI list price"),
    "gpt-4o": ModelFacts(2.50, 10.00, _d("2023-10-01"), "OpenAI list price"),
    "gpt-4.1-nano": ModelFacts(0.10, 0.40, _d("2024-06-01"), "OpenAI list price"),
    "gpt-4.1-mini": ModelFacts(0.40, 1.60, _d("2024-06-01"), "OpenAI list price"),
    "gpt-4.1": ModelFacts(2.00, 8.00, _d("2024-06-01"), "OpenAI list price"),
    "gpt-4-turbo": ModelFacts(10.00, 30.00, _d("2023-12-01"), "OpenAI list price"),
    "gpt-4": ModelFacts(30.00, 60.00, _d("2021-09-01"), "OpenAI list price"),
    # Anthropic: list prices; the later of the published cutoffs (training data).
    "claude-3-opus": ModelFacts(15.00, 75.00, _d("2023-08-01"), "Anthropic list price"),
    "claude-3-haiku": ModelFacts(0.25, 1.25, _d("2023-08-01"), "Anthropic list price"),
    "claude-3-5-haiku": ModelFacts(0.80, 4.00, _d("2024-07-01"), "Anthropic list price"),
    "claude-3-5-sonnet": ModelFacts(3.00, 15.00, _d("2024-04-01"), "Anthropic list price"),
    "claude-3-7-sonnet": ModelFacts(3.00, 15.00, _d("2024-11-01"), "Anthropic list price"),
    "claude-sonnet-4-5": ModelFacts(3.00, 15.00, _d("2025-07-01"), "Anthropic list price"),
    "claude-sonnet-4": ModelFacts(3.00, 15.00, _d("2025-03-01"), "Anthropic list price"),
    "claude-haiku-4-5": ModelFacts(1.00, 5.00, _d("2025-07-01"), "Anthropic list price"),
    "claude-opus-4-1": ModelFacts(15.00, 75.00, _d("2025-03-01"), "Anthropic list price"),
    "claude-opus-4": ModelFacts(15.00, 75.00, _d("2025-03-01"), "Anthropic list price"),
    # DeepSeek: cache-miss input price; no published cutoff, so the V3 release date.
    "deepseek-chat": ModelFacts(0.28, 0.42, _d("2024-12-26"), "DeepSeek list price; release"),
    "deepseek-reasoner": ModelFacts(0.28, 0.42, _d("2025-01-20"), "DeepSeek list price; release"),
    # The embedded demo model runs locally: free; no published cutoff, so its release date.
    "SmolLM2": ModelFacts(0.0, 0.0, _d("2024-11-01"), "local; release date"),
}


def facts(
    model: str,
    *,
    price: tuple[float, float] | None = None,
    cutoff: date | None = None,
) -> ModelFacts:
    """The facts for ``model``: the configured ``price``/``cutoff`` where given, else the
    longest matching prefix of ``KNOWN``, else unknown."""
    known = ModelFacts(note="unknown model")
    best = -1
    for prefix, entry in KNOWN.items():
        if model.startswith(prefix) and len(prefix) > best:
            known, best = entry, len(prefix)
    if price is None and cutoff is None:
        return known
    return ModelFacts(
        price[0] if price is not None else known.input_per_mtok,
        price[1] if price is not None else known.output_per_mtok,
        cutoff if cutoff is not None else known.cutoff,
        "configured" if best < 0 else f"configured over {known.note}",
    )
