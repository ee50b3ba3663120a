"""Options of the embedded ``smollm`` provider (no heavy imports: read while listing plugins)."""

from __future__ import annotations

import attrs
from attrs import field, frozen


def _int_in(low: int, high: int):
    def check(_instance: object, attribute: attrs.Attribute, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{attribute.name}: must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{attribute.name}: must be in [{low}, {high}], got {value!r}")

    return check


def _check_path(_instance: object, attribute: attrs.Attribute, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.endswith(".gguf"):
        raise ValueError(f"{attribute.name}: must be the path of a .gguf file, got {value!r}")


@frozen
class SmolLMOptions:
    """How the local model runs.

    The defaults were measured on a shared 2-core machine: one thread answers in about a second,
    two threads competing with another busy process took 9-55 s. Greedy decoding (temperature 0)
    with prompt caching off makes answers byte-identical across processes, which the core's
    record/replay relies on; there is therefore no temperature option.
    """

    n_threads: int = field(default=1, validator=_int_in(1, 64))
    #: Context window in tokens: the prompt plus the answer must fit.
    n_ctx: int = field(default=2048, validator=_int_in(256, 8192))
    #: Upper bound on the answer. A decision usually takes 60-100 tokens, but the schema allows a
    #: 240-character rationale, and one full of numbers and symbols (echoing five agents' figures)
    #: can take a token per character: 192 cut about one answer in ten short.
    max_tokens: int = field(default=384, validator=_int_in(32, 2048))
    seed: int = field(default=42, validator=_int_in(0, 2**31 - 1))
    #: Re-asks after an answer that fails validation (rare with the grammar).
    max_retries: int = field(default=1, validator=_int_in(0, 3))
    #: Another GGUF chat model to run instead of the bundled SmolLM2 file.
    model_path: str | None = field(default=None, validator=_check_path)
