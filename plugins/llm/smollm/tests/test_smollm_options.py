"""Options of the embedded provider: defaults that were measured, errors that name the field."""

from __future__ import annotations

import pytest
from deepalpha_llm_smollm.options import SmolLMOptions
from hypothesis import given
from hypothesis import strategies as st


def test_defaults_are_one_thread_and_deterministic() -> None:
    opts = SmolLMOptions()
    assert (opts.n_threads, opts.seed, opts.model_path) == (1, 42, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_threads": 0}, r"n_threads: must be in \[1, 64\], got 0"),
        ({"n_threads": 1.0}, "n_threads: must be an integer, got 1.0"),
        ({"n_ctx": 100}, r"n_ctx: must be in \[256, 8192\], got 100"),
        ({"max_tokens": 10}, r"max_tokens: must be in \[32, 2048\], got 10"),
        ({"max_retries": 4}, r"max_retries: must be in \[0, 3\], got 4"),
        ({"seed": -1}, "seed: must be in"),
        ({"seed": True}, "seed: must be an integer, got True"),
        (
            {"model_path": "model.bin"},
            "model_path: must be the path of a .gguf file, got 'model.bin'",
        ),
    ],
)
def test_invalid_values_name_the_field_and_value(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SmolLMOptions(**kwargs)


@given(
    n_threads=st.integers(1, 64),
    n_ctx=st.integers(256, 8192),
    max_tokens=st.integers(32, 2048),
    seed=st.integers(0, 2**31 - 1),
)
def test_values_in_range_are_kept(n_threads, n_ctx, max_tokens, seed) -> None:
    opts = SmolLMOptions(n_threads=n_threads, n_ctx=n_ctx, max_tokens=max_tokens, seed=seed)
    assert (opts.n_threads, opts.n_ctx, opts.max_tokens, opts.seed) == (
        n_threads,
        n_ctx,
        max_tokens,
        seed,
    )
