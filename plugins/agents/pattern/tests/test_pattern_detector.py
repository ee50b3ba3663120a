"""The pivot-based detector on price paths built by hand, whose answers are worked out here from
the bars themselves (numpy on the highs, lows and closes), not from the detector's code."""

from __future__ import annotations

import numpy as np
import pytest
from deepalpha.domain import Direction
from deepalpha.history import History
from deepalpha_agent_pattern.agent import PatternAgent
from deepalpha_agent_pattern.detector import Detector
from deepalpha_agent_pattern.options import PatternOptions

K = 5  # the default pivot_bars


def run(bars, options: PatternOptions | None = None) -> Detector:
    det = Detector(options or PatternOptions())
    for b in bars:
        det.update(b.ts, b.open, b.high, b.low, b.close)
    return det


def cols(bars):
    high = np.array([b.high for b in bars])
    low = np.array([b.low for b in bars])
    close = np.array([b.close for b in bars])
    return high, low, close


def peak(high, lo, hi) -> int:
    """Index of the highest high in [lo, hi) (the first of equals, as a swing high is)."""
    return lo + int(np.argmax(high[lo:hi]))


def trough(low, lo, hi) -> int:
    return lo + int(np.argmin(low[lo:hi]))


def line(p: tuple[int, float], q: tuple[int, float]):
    return lambda t: p[1] + (q[1] - p[1]) * (t - p[0]) / (q[0] - p[0])


def first_close(close, start: int, test) -> int:
    return next(t for t in range(start, len(close)) if test(t))


# -- pivots and levels ----------------------------------------------------------------------------


def test_pivots_are_the_turning_points_confirmed_k_bars_later(zigzag) -> None:
    bars = zigzag([100, 110, 100, 110, 100, 110], step=8)
    high, low, _ = cols(bars)
    det = run(bars)
    expected = [
        (peak(high, 4, 12), 1),
        (trough(low, 12, 20), -1),
        (peak(high, 20, 28), 1),
        (trough(low, 28, 36), -1),
    ]
    assert [(p.index, p.kind) for p in det.pivots] == expected
    assert all(p.confirmed == p.index + K for p in det.pivots)
    assert [p.price for p in det.pivots] == [
        high[expected[0][0]],
        low[expected[1][0]],
        high[expected[2][0]],
        low[expected[3][0]],
    ]


def test_no_pivots_levels_or_patterns_in_a_straight_trend(zigzag) -> None:
    det = run(zigzag([100, 150], step=200))
    assert det.pivots == [] and det.levels() == () and det.patterns == []


def test_repeated_turns_at_one_price_make_levels_with_touches_and_strength(zigzag) -> None:
    bars = zigzag([100, 110, 100, 110, 100, 110, 100, 110, 105], step=8)
    high, low, _ = cols(bars)
    tops = [peak(high, s - 4, s + 4) for s in (8, 24, 40, 56)]
    bottoms = [trough(low, s - 4, s + 4) for s in (16, 32, 48)]
    det = run(bars)
    levels = det.levels()
    assert len(levels) == 2
    support, resistance = levels
    assert support.price == pytest.approx(np.mean(low[bottoms]))
    assert (support.touches, support.first, support.last) == (3, bottoms[0], bottoms[-1])
    assert support.strength == 0.75
    assert resistance.price == pytest.approx(np.mean(high[tops]))
    assert (resistance.touches, resistance.first, resistance.last) == (4, tops[0], tops[-1])
    assert resistance.strength == 1.0


def test_closes_near_a_level_and_through_it_are_read(zigzag) -> None:
    bars = zigzag([100, 110, 100, 110, 100, 110, 100, 108, 120], step=8)
    high, _low, close = cols(bars)
    level = np.mean(high[[peak(high, s - 4, s + 4) for s in (8, 24, 40)]])
    det = Detector(PatternOptions())
    near, broke = [], []
    for i, b in enumerate(bars):
        det.update(b.ts, b.open, b.high, b.low, b.close)
        if det.resistance is not None and det.resistance.price == pytest.approx(level):
            near.append(i)
        broke += [i for lv, way in det.breaks if way > 0 and lv.price == pytest.approx(level)]
    # The level is read once its second touch is confirmed (bar 24 + K).
    after = 24 + K
    expected_near = [
        t for t in range(after, len(bars)) if 0 <= level - close[t] <= 0.005 * close[t]
    ]
    assert near == expected_near
    expected_break = [t for t in range(after + 1, len(bars)) if close[t - 1] <= level < close[t]]
    assert broke == expected_break and len(broke) == 1


# -- chart patterns -------------------------------------------------------------------------------


def only(det: Detector):
    assert len(det.patterns) == 1, [(p.kind, p.index) for p in det.patterns]
    return det.patterns[0]


def test_double_top(zigzag) -> None:
    bars = zigzag([100, 110, 104, 110.3, 95, 93], step=8)
    high, low, close = cols(bars)
    p1, t, p2 = peak(high, 4, 12), trough(low, 12, 20), peak(high, 20, 28)
    neck = low[t]
    found = only(run(bars))
    assert (found.kind, found.direction) == ("double_top", -1)
    assert [p.index for p in found.pivots] == [p1, t, p2]
    assert found.index == first_close(close, p2 + K, lambda i: close[i] < neck)
    assert found.line == neck
    assert found.stop == max(high[p1], high[p2])
    assert found.target == pytest.approx(neck - ((high[p1] + high[p2]) / 2 - neck))


def test_double_bottom(zigzag) -> None:
    bars = zigzag([110, 100, 106, 99.7, 115, 117], step=8)
    high, low, close = cols(bars)
    b1, pk, b2 = trough(low, 4, 12), peak(high, 12, 20), trough(low, 20, 28)
    neck = high[pk]
    found = only(run(bars))
    assert (found.kind, found.direction) == ("double_bottom", 1)
    assert [p.index for p in found.pivots] == [b1, pk, b2]
    assert found.index == first_close(close, b2 + K, lambda i: close[i] > neck)
    assert found.stop == min(low[b1], low[b2])
    assert found.target == pytest.approx(neck + (neck - (low[b1] + low[b2]) / 2))


def test_head_and_shoulders(zigzag) -> None:
    bars = zigzag([100, 108, 103, 114, 103.5, 108.3, 96, 94], step=8)
    high, low, close = cols(bars)
    ls, t1, hd, t2, rs = (
        peak(high, 4, 12),
        trough(low, 12, 20),
        peak(high, 20, 28),
        trough(low, 28, 36),
        peak(high, 36, 44),
    )
    neck = line((t1, low[t1]), (t2, low[t2]))
    found = only(run(bars))
    assert (found.kind, found.direction) == ("head_and_shoulders", -1)
    assert [p.index for p in found.pivots] == [ls, t1, hd, t2, rs]
    at = first_close(close, rs + K, lambda i: close[i] < neck(i))
    assert found.index == at
    assert found.line == pytest.approx(neck(at))
    assert found.stop == high[rs]
    assert found.target == pytest.approx(neck(at) - (high[hd] - neck(hd)))


def test_inverse_head_and_shoulders(zigzag) -> None:
    bars = zigzag([110, 102, 107, 96, 106.5, 101.7, 114, 116], step=8)
    high, low, close = cols(bars)
    ls, p1, hd, p2, rs = (
        trough(low, 4, 12),
        peak(high, 12, 20),
        trough(low, 20, 28),
        peak(high, 28, 36),
        trough(low, 36, 44),
    )
    neck = line((p1, high[p1]), (p2, high[p2]))
    found = only(run(bars))
    assert (found.kind, found.direction) == ("inverse_head_and_shoulders", 1)
    assert [p.index for p in found.pivots] == [ls, p1, hd, p2, rs]
    at = first_close(close, rs + K, lambda i: close[i] > neck(i))
    assert found.index == at
    assert found.stop == low[rs]
    assert found.target == pytest.approx(neck(at) + (neck(hd) - low[hd]))


@pytest.mark.parametrize(
    ("kind", "points", "direction"),
    [
        # flat highs, rising lows, breaking up
        ("ascending_triangle", [95, 110, 100, 110.3, 105, 118, 119], 1),
        # falling highs, flat lows, breaking down
        ("descending_triangle", [115, 100, 110, 99.8, 105, 92, 91], -1),
        # falling highs, rising lows, breaking up
        ("symmetric_triangle", [95, 110, 100, 107, 102, 115, 116], 1),
    ],
)
def test_triangles(zigzag, kind, points, direction) -> None:
    bars = zigzag(points, step=8)
    high, low, close = cols(bars)
    # Swings at bars 8, 16, 24, 32; which are highs depends on the first leg's direction.
    first_is_high = points[1] > points[0]
    idx = []
    for n, s in enumerate((8, 16, 24, 32)):
        is_high = (n % 2 == 0) == first_is_high
        idx.append(peak(high, s - 4, s + 4) if is_high else trough(low, s - 4, s + 4))
    highs = [i for n, i in enumerate(idx) if (n % 2 == 0) == first_is_high]
    lows = [i for n, i in enumerate(idx) if (n % 2 == 0) != first_is_high]
    upper = line((highs[0], high[highs[0]]), (highs[1], high[highs[1]]))
    lower = line((lows[0], low[lows[0]]), (lows[1], low[lows[1]]))
    found = only(run(bars))
    assert (found.kind, found.direction) == (kind, direction)
    assert [p.index for p in found.pivots] == idx
    if direction > 0:
        at = first_close(close, idx[-1] + K, lambda i: close[i] > upper(i))
    else:
        at = first_close(close, idx[-1] + K, lambda i: close[i] < lower(i))
    assert found.index == at
    height = upper(idx[0]) - lower(idx[0])
    assert found.target == pytest.approx(close[at] + direction * height)
    assert found.stop == (low[lows[1]] if direction > 0 else high[highs[1]])


# -- shapes that are not the pattern ---------------------------------------------------------------


def kinds(det: Detector) -> set[str]:
    return {p.kind for p in det.patterns}


def test_peaks_too_far_apart_are_no_double_top(zigzag) -> None:
    assert run(zigzag([100, 110, 104, 113.5, 95, 93])).patterns == []


def test_a_head_no_higher_than_its_shoulders_is_no_head_and_shoulders(zigzag) -> None:
    det = run(zigzag([100, 108, 103, 108.5, 103.5, 108.3, 96, 94]))
    assert "head_and_shoulders" not in kinds(det)


def test_widening_swings_are_no_triangle(zigzag) -> None:
    det = run(zigzag([100, 108, 98, 111, 95, 113, 90, 88]))
    assert not any("triangle" in k for k in kinds(det))


def test_a_double_top_closed_above_its_peaks_first_is_void(zigzag) -> None:
    det = run(zigzag([100, 110, 104, 110.3, 106, 116, 100, 98]))
    assert "double_top" not in kinds(det)


def test_a_breakout_after_confirm_bars_does_not_count(zigzag) -> None:
    # The neckline (104) is crossed about 17 bars after the second peak.
    closes_path = [100, 110, 104, 110.3]
    bars = zigzag(closes_path, step=8)
    slow = zigzag([110.3, 95], step=40)[1:]
    ts0 = bars[-1].ts
    from attrs import evolve

    bars += [evolve(b, ts=ts0 + (i + 1) * 3_600_000) for i, b in enumerate(slow)]
    assert "double_top" in kinds(run(bars, PatternOptions(confirm_bars=30)))
    assert "double_top" not in kinds(run(bars, PatternOptions(confirm_bars=12)))


def test_chart_patterns_can_be_turned_off(zigzag) -> None:
    bars = zigzag([100, 110, 104, 110.3, 95, 93])
    assert run(bars, PatternOptions(chart_patterns=[])).patterns == []
    assert run(bars, PatternOptions(chart_patterns=["head and shoulders"])).patterns == []


# -- what the agent makes of a chart pattern ------------------------------------------------------


def test_agent_suggests_the_patterns_stop_and_target(zigzag) -> None:
    bars = zigzag([100, 108, 103, 114, 103.5, 108.3, 96, 94], step=8, symbol="AAA/USD")
    found = only(run(bars))
    agent = PatternAgent(PatternOptions(candle_weight=0, level_weight=0))
    history = History("AAA/USD")
    signals = []
    for b in bars:
        history.append(b)
        signals.append(agent.on_bar(b, history))
    sig = signals[found.index]
    assert sig.direction is Direction.SHORT
    assert (sig.strength, sig.confidence) == (1.0, 1.0)
    assert (sig.stop_loss, sig.take_profit) == (found.stop, found.target)
    assert "head and shoulders (bearish)" in sig.rationale
    assert all(s is None or s.direction is Direction.FLAT for s in signals[: found.index])
