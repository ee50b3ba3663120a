"""Candlestick pattern names as users write them, mapped to the kernel's (TA-Lib's) names.

Users configure ``patterns: ["hammer", "doji", "engulfing"]``; the kernel knows ``CDLHAMMER``.
Matching ignores case, spaces, hyphens and underscores, so ``Morning Star``, ``morning-star`` and
``morning_star`` are one name, and the TA-Lib names themselves (``CDLENGULFING``) are accepted too.

Kept free of imports beyond the standard library: the options class validates names with it when a
configuration is loaded, and ``deepalpha plugins list`` imports the options module cold.
"""

from __future__ import annotations

#: TA-Lib name -> the name users see (first) and other spellings accepted for it.
NAMES: dict[str, tuple[str, ...]] = {
    "CDL2CROWS": ("two_crows", "2_crows"),
    "CDL3BLACKCROWS": ("three_black_crows", "3_black_crows"),
    "CDL3INSIDE": ("three_inside", "three_inside_up_down", "3_inside"),
    "CDL3LINESTRIKE": ("three_line_strike", "3_line_strike"),
    "CDL3OUTSIDE": ("three_outside", "three_outside_up_down", "3_outside"),
    "CDL3STARSINSOUTH": ("three_stars_in_the_south", "three_stars_in_south", "3_stars_in_south"),
    "CDL3WHITESOLDIERS": ("three_white_soldiers", "3_white_soldiers"),
    "CDLABANDONEDBABY": ("abandoned_baby",),
    "CDLADVANCEBLOCK": ("advance_block",),
    "CDLBELTHOLD": ("belt_hold",),
    "CDLBREAKAWAY": ("breakaway",),
    "CDLCLOSINGMARUBOZU": ("closing_marubozu",),
    "CDLCONCEALBABYSWALL": ("concealing_baby_swallow",),
    "CDLCOUNTERATTACK": ("counterattack",),
    "CDLDARKCLOUDCOVER": ("dark_cloud_cover",),
    "CDLDOJI": ("doji",),
    "CDLDOJISTAR": ("doji_star",),
    "CDLDRAGONFLYDOJI": ("dragonfly_doji",),
    "CDLENGULFING": ("engulfing",),
    "CDLEVENINGDOJISTAR": ("evening_doji_star",),
    "CDLEVENINGSTAR": ("evening_star",),
    "CDLGAPSIDESIDEWHITE": ("gap_side_by_side_white", "up_down_gap_side_by_side_white_lines"),
    "CDLGRAVESTONEDOJI": ("gravestone_doji",),
    "CDLHAMMER": ("hammer",),
    "CDLHANGINGMAN": ("hanging_man",),
    "CDLHARAMI": ("harami",),
    "CDLHARAMICROSS": ("harami_cross",),
    "CDLHIGHWAVE": ("high_wave",),
    "CDLHIKKAKE": ("hikkake",),
    "CDLHIKKAKEMOD": ("modified_hikkake", "hikkake_modified"),
    "CDLHOMINGPIGEON": ("homing_pigeon",),
    "CDLIDENTICAL3CROWS": ("identical_three_crows", "identical_3_crows"),
    "CDLINNECK": ("in_neck",),
    "CDLINVERTEDHAMMER": ("inverted_hammer",),
    "CDLKICKING": ("kicking",),
    "CDLKICKINGBYLENGTH": ("kicking_by_length",),
    "CDLLADDERBOTTOM": ("ladder_bottom",),
    "CDLLONGLEGGEDDOJI": ("long_legged_doji",),
    "CDLLONGLINE": ("long_line",),
    "CDLMARUBOZU": ("marubozu",),
    "CDLMATCHINGLOW": ("matching_low",),
    "CDLMATHOLD": ("mat_hold",),
    "CDLMORNINGDOJISTAR": ("morning_doji_star",),
    "CDLMORNINGSTAR": ("morning_star",),
    "CDLONNECK": ("on_neck",),
    "CDLPIERCING": ("piercing", "piercing_line"),
    "CDLRICKSHAWMAN": ("rickshaw_man",),
    "CDLRISEFALL3METHODS": (
        "rising_falling_three_methods",
        "rising_three_methods",
        "falling_three_methods",
    ),
    "CDLSEPARATINGLINES": ("separating_lines",),
    "CDLSHOOTINGSTAR": ("shooting_star",),
    "CDLSHORTLINE": ("short_line",),
    "CDLSPINNINGTOP": ("spinning_top",),
    "CDLSTALLEDPATTERN": ("stalled_pattern",),
    "CDLSTICKSANDWICH": ("stick_sandwich",),
    "CDLTAKURI": ("takuri",),
    "CDLTASUKIGAP": ("tasuki_gap",),
    "CDLTHRUSTING": ("thrusting",),
    "CDLTRISTAR": ("tristar", "tri_star"),
    "CDLUNIQUE3RIVER": ("unique_three_river", "unique_3_river"),
    "CDLUPSIDEGAP2CROWS": ("upside_gap_two_crows", "upside_gap_2_crows"),
    "CDLXSIDEGAP3METHODS": (
        "gap_three_methods",
        "upside_gap_three_methods",
        "downside_gap_three_methods",
    ),
}

#: Every TA-Lib name, in the kernel's scan order (alphabetical, like ``deepalpha_kernel.PATTERNS``).
TALIB_NAMES: tuple[str, ...] = tuple(sorted(NAMES))


def friendly(talib_name: str) -> str:
    """The name users see for a TA-Lib pattern (``CDLMORNINGSTAR`` -> ``morning_star``)."""
    return NAMES[talib_name][0]


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch not in " -_")


_LOOKUP: dict[str, str] = {}
for _talib, _spellings in NAMES.items():
    for _spelling in (_talib, *_spellings):
        if _LOOKUP.setdefault(_key(_spelling), _talib) != _talib:  # a typo in the table above
            raise RuntimeError(f"pattern name {_spelling!r} is given to two patterns")


def resolve(name: str) -> str:
    """The TA-Lib name of a pattern written as a user would; ``ValueError`` listing valid names."""
    found = _LOOKUP.get(_key(name)) if isinstance(name, str) else None
    if found is None:
        valid = ", ".join(sorted(friendly(n) for n in NAMES))
        raise ValueError(
            f"patterns: unknown candlestick pattern {name!r}; valid names (case, spaces and "
            f"hyphens do not matter; TA-Lib names like CDLENGULFING work too): {valid}"
        )
    return found
