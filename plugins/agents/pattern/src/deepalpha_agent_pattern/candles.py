"""Candlestick readings: the kernel's streaming scanner, and how each pattern's output is read.

The kernel's ``PatternScanner`` gives, per candle, exactly what ``talib.CDL*`` (and the kernel's
batch ``scan``) give at that index: 0, +/-80, +/-100 or +/-200. It runs TA-Lib's running averages
incrementally, so a bar costs the same on bar 20,000 as on bar 20, and the values equal a batch
call over the whole history (a batch call over a short tail would not: TA-Lib's averages depend
on where their running sums started).

Most outputs carry a direction in their sign. A few do not, and are read as follows:

- indecision: ``doji``, ``long_legged_doji``, ``rickshaw_man`` (TA-Lib reports +100 for "present")
  and the small-bodied ``spinning_top``, ``high_wave``, ``short_line`` (signed only by the candle's
  colour). They are named in the rationale but do not vote.
- ``dragonfly_doji`` and ``takuri`` (TA-Lib: +100 for "present") are read as bullish and
  ``gravestone_doji`` (+100 too) as bearish, their textbook meanings.
"""

from __future__ import annotations

import importlib

from .names import TALIB_NAMES, friendly

#: Patterns whose output says "present" or "small candle", not which way.
INDECISION = frozenset(
    {
        "CDLDOJI",
        "CDLLONGLEGGEDDOJI",
        "CDLRICKSHAWMAN",
        "CDLSPINNINGTOP",
        "CDLHIGHWAVE",
        "CDLSHORTLINE",
    }
)
#: Patterns TA-Lib marks with +100 for "present" whose textbook reading has a direction.
READ_AS = {"CDLDRAGONFLYDOJI": 1, "CDLTAKURI": 1, "CDLGRAVESTONEDOJI": -1}


def direction(talib_name: str, value: int) -> int:
    """+1 bullish, -1 bearish, 0 indecision, for a non-zero output of the pattern."""
    if talib_name in INDECISION:
        return 0
    forced = READ_AS.get(talib_name)
    if forced is not None:
        return forced
    return 1 if value > 0 else -1


def vote(talib_name: str, value: int) -> float:
    """A pattern's vote in [-1, 1]: its direction times its weight (80 -> 0.8, 100 and 200 -> 1)."""
    return direction(talib_name, value) * min(abs(value), 100) / 100


def describe(talib_name: str, value: int) -> str:
    d = direction(talib_name, value)
    word = {1: "bullish", -1: "bearish", 0: "indecision"}[d]
    extra = f" {abs(value)}" if abs(value) not in (0, 100) else ""
    return f"{friendly(talib_name)} ({word}{extra})"


class CandleReader:
    """The scanner over the configured patterns, and their per-candle outputs as one tuple.

    The tuple (values in ``names`` order) is what callers compare and cache on: on real data the
    same few combinations recur, so the agent interprets each combination once.
    """

    def __init__(self, patterns: tuple[str, ...] | None) -> None:
        from deepalpha.indicators import pattern

        names = TALIB_NAMES if patterns is None else patterns
        self.names: tuple[str, ...] = tuple(names)
        self._scanner = None
        if self.names:
            # The scanner sits beside the batch functions of whichever installed kernel provides
            # the patterns (found by name, like any indicator).
            module = importlib.import_module(pattern(self.names[0]).__module__)
            self._scanner = module.PatternScanner(list(self.names))
            # The dict it returns follows ``names`` order; check once rather than trust it.
            if tuple(self._scanner.names) != self.names:
                raise RuntimeError(
                    f"PatternScanner reorders patterns: {self._scanner.names} vs {self.names}"
                )
        self._zero = (0,) * len(self.names)

    def reset(self) -> None:
        if self._scanner is not None:
            self._scanner.reset()

    def update(self, open_: float, high: float, low: float, close: float) -> tuple[int, ...]:
        scanner = self._scanner
        if scanner is None:
            return self._zero
        fired_only = getattr(scanner, "update_fired", None)
        if fired_only is None:  # a kernel without the sparse call: the dict of every pattern
            return tuple(scanner.update(open_, high, low, close).values())
        # Most candles fire nothing: the kernel then hands back an empty tuple, not 61 entries.
        fired = fired_only(open_, high, low, close)
        if not fired:
            return self._zero
        values = list(self._zero)
        for index, value in fired:
            values[index] = value
        return tuple(values)

    def fired(self, values: tuple[int, ...]) -> list[tuple[str, int]]:
        """(TA-Lib name, output) of the patterns with a non-zero output."""
        return [(n, v) for n, v in zip(self.names, values, strict=True) if v]
