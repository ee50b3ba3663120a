"""The knowledge-cutoff guard: exposed windows are flagged, refused on request, and judged from
the configured cutoff over the built-in table."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from deepalpha.config import load_config
from deepalpha.engine.cutoff import exposures, guard
from deepalpha.engine.prepare import prepare
from deepalpha.errors import ConfigError
from deepalpha.llm_models import facts

DAY = 86_400_000
LOCAL = "http://127.0.0.1:9/v1"  # never called: building a provider opens no connection


def _ms(text: str) -> int:
    return int(date.fromisoformat(text).toordinal() - date(1970, 1, 1).toordinal()) * DAY


def _config(**llm):
    return load_config(
        None,
        overrides={
            "market": {"symbols": ["BTC/USD", "ETH/USD"]},
            "llm_providers": {
                "gpt": {
                    "provider": "openai",
                    "options": {"model": "gpt-4o-mini-2024-07-18", "base_url": LOCAL},
                },
                "local": {
                    "provider": "openai",
                    "options": {"model": "my-finetune", "base_url": LOCAL},
                },
            },
            "decision": {"llm": {"providers": ["gpt"], **llm}},
        },
    )


def test_known_models_match_by_prefix_and_configuration_overrides() -> None:
    assert facts("gpt-4o-mini-2024-07-18").cutoff == date(2023, 10, 1)
    assert facts("gpt-4o-2024-08-06").input_per_mtok == 2.50  # not gpt-4o-mini's, not gpt-4's
    assert facts("claude-sonnet-4-20250514").cutoff == date(2025, 3, 1)
    assert facts("my-finetune").cutoff is None and not facts("my-finetune").priced
    mine = facts("gpt-4o-mini", cutoff=date(2024, 1, 1), price=(1.0, 2.0))
    assert (mine.cutoff, mine.cost(1_000_000, 500_000)) == (date(2024, 1, 1), 2.0)


def test_windows_before_the_cutoff_are_exposed() -> None:
    config = _config()
    assert [e.provider for e in exposures(config, _ms("2023-09-30"))] == ["gpt"]
    assert exposures(config, _ms("2023-10-01"))  # the cutoff day itself is covered
    assert exposures(config, _ms("2023-10-02")) == []
    assert exposures(config, None)  # from the data's beginning: exposed
    # A model with no known cutoff is exposed over every window.
    unknown = _config(providers=["local"])
    assert exposures(unknown, _ms("2030-01-01"))[0].cutoff is None
    # Without consultation no model is exposed.
    assert exposures(_config(consult="never"), _ms("2019-01-01")) == []


def test_refuse_names_the_window_setting_and_the_model() -> None:
    config = _config(cutoff_guard="refuse")
    with pytest.raises(ConfigError) as err:
        guard(config, _ms("2019-01-01"), "backtest.start")
    text = str(err.value)
    assert text.startswith("backtest.start: the window starts 2019-01-01, before the training")
    assert "gpt (gpt-4o-mini-2024-07-18, training cutoff 2023-10-01)" in text
    assert guard(config, _ms("2024-01-01"), "backtest.start") == []
    assert guard(_config(cutoff_guard="ignore"), _ms("2019-01-01"), "x") == []


def test_prepare_refuses_an_exposed_backtest_as_config_validate_does() -> None:
    base = _config(cutoff_guard="refuse")

    exposed = attrs.evolve(base, backtest=attrs.evolve(base.backtest, start="2019-01-01"))
    for mode in ("backtest", None):  # None: what `config validate` checks
        with pytest.raises(ConfigError, match=r"backtest\.start: the window starts 2019-01-01"):
            prepare(exposed, mode, report=False)
    flagged = attrs.evolve(exposed, decision=_config().decision)
    prepared = prepare(flagged, "backtest", report=False)
    try:
        assert [e.provider for e in prepared.exposures] == ["gpt"]
    finally:
        prepared.close()


def test_a_provider_without_a_model_option_is_judged_by_its_default_model() -> None:
    """anthropic and deepseek default to claude-haiku-4-5 and deepseek-chat (their options
    classes); the guard must know them by those, not flag them as unknown."""
    config = load_config(
        None,
        overrides={
            "llm_providers": {
                "anthropic": {"provider": "anthropic", "options": {"api_key": "k"}},
                "deepseek": {"provider": "deepseek", "options": {"api_key": "k"}},
            },
            "decision": {"llm": {"providers": ["anthropic", "deepseek"]}},
        },
    )
    assert exposures(config, _ms("2026-01-01")) == []
    # 2025-01-01 is after deepseek-chat's date (2024-12-26), before claude-haiku-4-5's.
    found = exposures(config, _ms("2025-01-01"))
    assert [(e.provider, e.model) for e in found] == [("anthropic", "claude-haiku-4-5")]
