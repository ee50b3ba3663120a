"""No look-ahead: everything known at bar t is the same when the bars after t do not exist.

The detector and the agent are run on a whole series and on its prefix ending at t; every pivot,
level, chart pattern, candlestick reading and signal up to t must be identical.
"""

from __future__ import annotations

import attrs
from deepalpha.history import History
from deepalpha.testing import random_walk_bars
from deepalpha_agent_pattern.agent import PatternAgent
from deepalpha_agent_pattern.detector import Detector
from deepalpha_agent_pattern.options import PatternOptions
from hypothesis import given, settings
from hypothesis import strategies as st

#: Looser than the defaults so that short random walks show chart patterns too.
LOOSE = PatternOptions(pivot_bars=2, min_depth=0.005, pattern_tolerance=0.01, min_touches=1)


def trace(bars, options: PatternOptions):
    """Per bar: what the detector knows after it (levels, readings), and the final records."""
    det = Detector(options)
    per_bar = []
    for b in bars:
        det.update(b.ts, b.open, b.high, b.low, b.close)
        per_bar.append(
            (det.levels(), det.support, det.resistance, det.breaks, det.active, det.new_patterns)
        )
    return det, per_bar


def signals(bars, options: PatternOptions):
    agent = PatternAgent(options)
    history = History(bars[0].symbol)
    out = []
    for b in bars:
        history.append(b)
        out.append(agent.on_bar(b, history))
    return out


def assert_same_up_to(bars, cut: int, options: PatternOptions) -> None:
    full_det, full = trace(bars, options)
    part_det, part = trace(bars[: cut + 1], options)
    assert part == full[: cut + 1]
    assert part_det.pivots == [p for p in full_det.pivots if p.confirmed <= cut]
    assert part_det.patterns == [p for p in full_det.patterns if p.index <= cut]
    # What a detection rests on was known when it was made.
    for p in full_det.patterns:
        assert all(q.confirmed <= p.index for q in p.pivots)
    for p in full_det.pivots:
        assert p.confirmed == p.index + options.pivot_bars


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(20, 400),
    seed=st.integers(0, 10_000),
    cut=st.floats(0, 1),
    vol=st.sampled_from([0.003, 0.01, 0.03]),
)
def test_detections_at_t_do_not_depend_on_later_bars(n, seed, cut, vol) -> None:
    bars = random_walk_bars(n, "RW/USD", seed)
    # Rescale the walk's moves so that quiet and wild markets are both tried.
    scale = vol / 0.01
    base = bars[0].close
    bars = [
        attrs.evolve(
            b,
            open=base + (b.open - base) * scale,
            high=base + (b.high - base) * scale,
            low=base + (b.low - base) * scale,
            close=base + (b.close - base) * scale,
        )
        for b in bars
    ]
    if min(b.low for b in bars) <= 0:
        return
    t = int(cut * (n - 1))
    assert_same_up_to(bars, t, LOOSE)
    assert signals(bars[: t + 1], LOOSE) == signals(bars, LOOSE)[: t + 1]


def test_loose_options_do_find_patterns_on_random_walks() -> None:
    """The property above is only worth something if random walks do show patterns."""
    det, _ = trace(random_walk_bars(2_000, "RW/USD", 3), LOOSE)
    assert len({p.kind for p in det.patterns}) >= 5


def test_bundled_data_prefixes(btc_bars) -> None:
    bars = btc_bars[:6_000]
    for cut in (1_000, 2_345, 4_999):
        assert_same_up_to(bars, cut, PatternOptions())
    full = signals(bars, PatternOptions())
    assert signals(bars[:3_001], PatternOptions()) == full[:3_001]
