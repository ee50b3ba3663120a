"""Pattern names as users write them, and the options' validation messages."""

from __future__ import annotations

import re

import deepalpha_kernel
import pytest
import talib
from deepalpha.config.converter import structure
from deepalpha.errors import ConfigError
from deepalpha_agent_pattern.names import NAMES, TALIB_NAMES, friendly, resolve
from deepalpha_agent_pattern.options import CHART_PATTERNS, PatternOptions


@pytest.mark.parametrize(
    ("written", "talib_name"),
    [
        ("hammer", "CDLHAMMER"),
        ("doji", "CDLDOJI"),
        ("engulfing", "CDLENGULFING"),
        ("inverted_hammer", "CDLINVERTEDHAMMER"),
        ("Inverted Hammer", "CDLINVERTEDHAMMER"),
        ("dragonfly-doji", "CDLDRAGONFLYDOJI"),
        ("MORNING STAR", "CDLMORNINGSTAR"),
        ("evening_star", "CDLEVENINGSTAR"),
        ("harami", "CDLHARAMI"),
        ("three white soldiers", "CDL3WHITESOLDIERS"),
        ("3 black crows", "CDL3BLACKCROWS"),
        ("piercing line", "CDLPIERCING"),
        ("CDLENGULFING", "CDLENGULFING"),
        ("cdlmorningdojistar", "CDLMORNINGDOJISTAR"),
        ("rising three methods", "CDLRISEFALL3METHODS"),
    ],
)
def test_names_as_users_write_them(written, talib_name) -> None:
    assert resolve(written) == talib_name


def test_every_kernel_and_talib_pattern_has_one_friendly_name() -> None:
    assert tuple(deepalpha_kernel.PATTERNS) == TALIB_NAMES
    assert set(TALIB_NAMES) == set(talib.get_function_groups()["Pattern Recognition"])
    shown = [friendly(n) for n in TALIB_NAMES]
    assert len(set(shown)) == 61
    assert all(re.fullmatch(r"[a-z0-9_]+", s) for s in shown)
    for name in TALIB_NAMES:  # the shown name leads back to its pattern
        assert resolve(friendly(name)) == name
        assert all(resolve(alias) == name for alias in NAMES[name])


def test_an_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown candlestick pattern 'hamer'") as info:
        resolve("hamer")
    message = str(info.value)
    assert message.startswith("patterns: ")
    for name in ("hammer", "engulfing", "morning_star", "three_white_soldiers"):
        assert name in message


def test_options_default_to_all_patterns_and_store_talib_names() -> None:
    assert PatternOptions().patterns is None
    assert PatternOptions(patterns=["hammer", "Doji", "CDLHAMMER"]).patterns == (
        "CDLHAMMER",
        "CDLDOJI",
    )
    assert PatternOptions(patterns=[]).patterns == ()
    assert PatternOptions().chart_patterns == CHART_PATTERNS
    assert PatternOptions(chart_patterns=["Double Top"]).chart_patterns == ("double_top",)


def test_seed_config_through_the_config_converter() -> None:
    options = structure(
        {"patterns": ["hammer", "doji", "engulfing"]}, PatternOptions, "agents.pattern.options"
    )
    assert options.patterns == ("CDLHAMMER", "CDLDOJI", "CDLENGULFING")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"patterns": ["hamer"]}, "agents.pattern.options.patterns: unknown candlestick pattern"),
        ({"patterns": "hammer"}, "patterns: must be a list of names, got the string 'hammer'"),
        ({"chart_patterns": ["cup"]}, "chart_patterns: unknown chart pattern 'cup'; valid"),
        ({"pivot_bars": 0}, "pivot_bars: must be an integer >= 1, got 0"),
        ({"level_tolerance": 0.5}, r"level_tolerance: must be a number in \(0, 0.2\], got 0.5"),
        ({"min_score": 1.5}, r"min_score: must be a number in \[0, 1\], got 1.5"),
        ({"confirm_bars": 5}, r"confirm_bars: must be > pivot_bars \(5\)"),
        ({"candle_weight": 0, "level_weight": 0, "chart_weight": 0}, "at least one must be > 0"),
        ({"pivot_bar": 3}, "unknown key"),
    ],
)
def test_bad_options_name_the_field(data, message) -> None:
    with pytest.raises(ConfigError, match=message):
        structure(data, PatternOptions, "agents.pattern.options")
