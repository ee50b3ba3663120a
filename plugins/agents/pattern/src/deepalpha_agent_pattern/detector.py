"""Price structure, one bar at a time: swing pivots, support/resistance levels and chart patterns.

Everything here is causal by construction: ``update`` receives bar ``i`` and may only use bars
``0..i``. A swing high at bar ``j`` needs ``pivot_bars`` (k) bars on both sides, so it becomes known
at bar ``j + k``; levels and chart patterns are built from pivots as they become known, and a chart
pattern is confirmed by a later close through its neckline or triangle side. The rules (which the
README repeats for users) are:

Pivots
    Bar ``j`` is a swing high when its high is strictly above the highs of the k bars before it and
    not below the highs of the k bars after it (so of two equal highs the first is the pivot); a
    swing low is the mirror image. It is confirmed at bar ``j + k``. When a bar is both, the low
    comes first for a white candle (close >= open) and the high first for a black one.

Levels
    Every confirmed pivot is a touch. It joins the nearest level when within ``level_tolerance``
    (a fraction of the level's price), which then moves to the mean of its touches; otherwise it
    starts a level. The ``max_levels`` most recently touched levels are kept. A level's strength is
    ``min(1, touches / 4)``; only levels with at least ``min_touches`` touches are read: the nearest
    below the close is support, the nearest at or above it resistance, each reported when within
    ``level_proximity`` of the close; a close crossing a level (from at or below it to above, or
    from above to below) is a break.

Swings
    Chart patterns read the alternating sequence of pivots (a zigzag): a pivot of the same kind as
    the previous one replaces it when more extreme (a higher high, a lower low) and is skipped
    otherwise.

Chart patterns
    Checked when a pivot enters the swing sequence, against the last swings, one shape per new
    swing, the most specific first: head and shoulders, then double top/bottom, then triangles.
    ``tol`` is ``pattern_tolerance`` and ``depth`` is ``min_depth``, both fractions of price:

    - double top: high, low, high; the peaks within ``tol``; the low at least ``depth`` below the
      lower peak. Neckline: the low. Confirmed by a close below it; stop: the higher peak;
      target: neckline minus (mean peak - neckline). Double bottom: the mirror image.
    - head and shoulders: high, low, high, low, high; the head above both shoulders by more than
      ``tol``; the shoulders within ``2 tol``; the neckline through the two lows, which differ by
      less than half the head's height above the neckline, itself at least ``depth``. Confirmed by
      a close below the neckline (extended to that bar); stop: the right shoulder; target: the
      neckline there minus the head's height. Inverse: the mirror image.
    - triangles, from the last four swings (two highs a1, a2 and two lows b1, b2, oldest first):
      a side is flat when it moves less than ``tol``, rising or falling otherwise. Ascending: flat
      highs, rising lows; descending: falling highs, flat lows; symmetric: falling highs and rising
      lows. The height at the first of the four pivots must be at least ``depth``. Confirmed by a
      close above the upper line (bullish) or below the lower line (bearish), both extended to
      that bar, before the lines meet; target: the close plus or minus that height; stop: the
      latest swing on the other side (the last low for a break upwards).

    A candidate must confirm within ``confirm_bars`` bars of its last pivot, checked from the bar
    that confirms that pivot; a double top or head and shoulders whose stop is closed beyond first
    is dropped, as is a candidate whose last pivot is replaced by a more extreme one. A confirmed
    pattern stays active for ``hold_bars`` bars, or until a close reaches its target or stop.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable

from attrs import frozen

from .options import PatternOptions

HIGH = 1
LOW = -1
#: Touches at which a level has full strength.
FULL_STRENGTH_TOUCHES = 4
#: Candidates waiting for a breakout at once (the oldest go first).
MAX_PENDING = 8
#: Swings kept for the chart rules (the longest pattern reads five).
MAX_SWINGS = 8


@frozen(slots=True)
class Pivot:
    """A swing high (``kind`` +1) or low (-1) at bar ``index``, known from bar ``confirmed``."""

    index: int
    ts: int
    price: float
    kind: int
    confirmed: int


@frozen(slots=True)
class Level:
    """A support/resistance level: the mean price of the pivots that touched it."""

    price: float
    touches: int
    first: int  # bar index of the first touch
    last: int  # bar index of the latest touch

    @property
    def strength(self) -> float:
        return min(1.0, self.touches / FULL_STRENGTH_TOUCHES)


@frozen(slots=True)
class ChartPattern:
    """A confirmed chart pattern: what, which way, when, from which pivots, and its levels."""

    kind: str
    direction: int  # +1 bullish, -1 bearish
    index: int  # bar that confirmed it (closed through ``line``)
    ts: int
    pivots: tuple[Pivot, ...]
    line: float  # the neckline or triangle side at the confirming bar
    target: float
    stop: float


class _Candidate:
    """A pattern whose shape is complete, waiting for a close through its line."""

    __slots__ = ("deadline", "height", "kind", "lower", "pivots", "stop", "upper")

    def __init__(
        self,
        kind: str,
        pivots: tuple[Pivot, ...],
        upper: Callable[[int], float] | None,
        lower: Callable[[int], float] | None,
        stop: float,
        height: float,
        deadline: int,
    ) -> None:
        self.kind = kind
        self.pivots = pivots
        self.upper = upper  # a close above it confirms bullish (None: never)
        self.lower = lower  # a close below it confirms bearish (None: never)
        self.stop = stop  # double tops, H&S: a close beyond it drops the candidate (nan: never)
        self.height = height
        self.deadline = deadline


def _line(p: Pivot, q: Pivot) -> Callable[[int], float]:
    slope = (q.price - p.price) / (q.index - p.index)
    base, at = p.price, p.index
    return lambda i: base + slope * (i - at)


def _flat(value: float) -> Callable[[int], float]:
    return lambda _i: value


def _rel(a: float, b: float) -> float:
    """Relative difference of two prices, as a fraction of the larger."""
    return abs(a - b) / max(a, b)


class Detector:
    """Pivots, levels and chart patterns of one symbol, updated once per bar.

    After ``update`` the attributes describe the bar just given: ``new_pivots`` and
    ``new_patterns`` (what became known at it), ``support`` / ``resistance`` (the nearest read
    level within ``level_proximity`` of the close, else None), ``breaks`` (levels the close crossed,
    as ``(level, +1 up / -1 down)``) and ``active`` (the chart pattern in force, else None).
    ``pivots`` and ``patterns`` hold the whole record (unless ``record`` is false) and
    ``levels()`` the levels kept, for tests and statistics.
    """

    def __init__(self, options: PatternOptions | None = None, *, record: bool = True) -> None:
        self.options = options or PatternOptions()
        # Keeping every pivot and pattern grows with the run; the agent only needs the current
        # readings, so it turns the record off and its memory stays flat.
        self._record = record
        o = self.options
        self._k = o.pivot_bars
        self._tol = o.pattern_tolerance
        self._depth = o.min_depth
        self._charts = frozenset(o.chart_patterns)
        self._level_tol = o.level_tolerance
        self._near = o.level_proximity
        self._min_touches = o.min_touches
        self._max_levels = o.max_levels
        self._confirm = o.confirm_bars
        self._hold = o.hold_bars
        self.reset()

    def reset(self) -> None:
        self._width = width = 2 * self._k + 1
        self._highs: deque[float] = deque(maxlen=width)
        self._lows: deque[float] = deque(maxlen=width)
        self._bars: deque[tuple[int, float, float]] = deque(maxlen=width)  # ts, open, close
        self._i = -1
        self._prev_close = float("nan")
        # Levels sorted by price (with their prices alongside, for bisect); the sum of each
        # level's touch prices; ``_read`` holds the levels with enough touches to be read.
        self._level_prices: list[float] = []
        self._levels: list[Level] = []
        self._totals: dict[Level, float] = {}
        self._read: list[Level] = []
        self._read_prices: list[float] = []
        self._below = 0
        self._levels_seen = False
        self._swings: list[Pivot] = []
        self._pending: list[_Candidate] = []
        self._active_until = 0
        self.pivots: list[Pivot] = []
        self.patterns: list[ChartPattern] = []
        self.new_pivots: tuple[Pivot, ...] = ()
        self.new_patterns: tuple[ChartPattern, ...] = ()
        self.support: Level | None = None
        self.resistance: Level | None = None
        self.breaks: tuple[tuple[Level, int], ...] = ()
        self.active: ChartPattern | None = None

    # -- per bar ----------------------------------------------------------------------------------

    def update(self, ts: int, open_: float, high: float, low: float, close: float) -> None:
        """Take bar ``i`` (the next one) and bring every reading up to it."""
        self._i = i = self._i + 1
        highs, lows = self._highs, self._lows
        highs.append(high)
        lows.append(low)
        self._bars.append((ts, open_, close))
        if self.new_pivots:
            self.new_pivots = ()
        if self.new_patterns:
            self.new_patterns = ()
        if len(highs) == self._width:
            k = self._k
            hi, lo = highs[k], lows[k]
            # The cheap test first: the newest bar must not exceed the middle one.
            is_high = hi >= high and hi == max(highs) and all(highs[j] < hi for j in range(k))
            is_low = lo <= low and lo == min(lows) and all(lows[j] > lo for j in range(k))
            if is_high or is_low:
                self._pivots_found(i, is_high, is_low)
        if self._pending:
            self._check_candidates(i, ts, close)
        active = self.active
        if active is not None and active.index != i:
            d = active.direction
            if (
                i >= self._active_until
                or d * (close - active.target) >= 0
                or d * (close - active.stop) <= 0
            ):
                self.active = None
        prices = self._read_prices
        if prices:
            # Nearest levels and breaks. ``_below`` counts the read levels strictly below the
            # close; a rise in it from one bar to the next (same levels) is a break upwards.
            below = bisect_left(prices, close)
            if self._levels_seen:
                prev_below = self._below
            else:  # the levels changed: place the previous close against the new ones
                prev_below = bisect_left(prices, self._prev_close)
                self._levels_seen = True
            self._below = below
            levels, near = self._read, self._near * close
            support = levels[below - 1] if below else None
            self.support = (
                support if support is not None and close - support.price <= near else None
            )
            resistance = levels[below] if below < len(levels) else None
            self.resistance = (
                resistance if resistance is not None and resistance.price - close <= near else None
            )
            if below != prev_below:
                if below > prev_below:
                    self.breaks = tuple((levels[n], HIGH) for n in range(prev_below, below))
                else:
                    self.breaks = tuple((levels[n], LOW) for n in range(below, prev_below))
            elif self.breaks:
                self.breaks = ()
        elif self.support is not None or self.resistance is not None or self.breaks:
            self.support = self.resistance = None  # every read level was dropped
            self.breaks = ()
        self._prev_close = close

    def levels(self) -> tuple[Level, ...]:
        """Every level kept, by price (readable or not)."""
        return tuple(self._levels)

    # -- pivots -----------------------------------------------------------------------------------

    def _pivots_found(self, i: int, is_high: bool, is_low: bool) -> None:
        k = self._k
        ts, open_, close = self._bars[k]
        j = i - k
        found = []
        if is_high:
            found.append(Pivot(j, ts, self._highs[k], HIGH, i))
        if is_low:
            low = Pivot(j, ts, self._lows[k], LOW, i)
            white = close >= open_
            found.insert(0, low) if white else found.append(low)
        self.new_pivots = tuple(found)
        for pivot in found:
            if self._record:
                self.pivots.append(pivot)
            self._touch(pivot)
            self._swing(pivot)

    # -- levels -----------------------------------------------------------------------------------

    def _touch(self, pivot: Pivot) -> None:
        prices, levels, p = self._level_prices, self._levels, pivot.price
        pos = bisect_left(prices, p)
        best, best_gap = -1, self._level_tol
        for at in (pos - 1, pos):
            if 0 <= at < len(prices):
                gap = abs(p - prices[at]) / prices[at]
                if gap <= best_gap:
                    best, best_gap = at, gap
        if best >= 0:
            old = levels.pop(best)
            prices.pop(best)
            total = self._totals.pop(old) + p
            level = Level(total / (old.touches + 1), old.touches + 1, old.first, pivot.index)
        else:
            total = p
            level = Level(p, 1, pivot.index, pivot.index)
        self._totals[level] = total
        at = bisect_right(prices, level.price)
        prices.insert(at, level.price)
        levels.insert(at, level)
        if len(levels) > self._max_levels:
            oldest = min(range(len(levels)), key=lambda n: (levels[n].last, levels[n].first))
            del self._totals[levels[oldest]]
            del levels[oldest], prices[oldest]
        self._read = [lv for lv in levels if lv.touches >= self._min_touches]
        self._read_prices = [lv.price for lv in self._read]
        self._levels_seen = False  # the previous close is placed against the new levels

    # -- swings and chart patterns ----------------------------------------------------------------

    def _swing(self, pivot: Pivot) -> None:
        swings = self._swings
        if swings and swings[-1].kind == pivot.kind:
            old = swings[-1]
            if pivot.kind * (pivot.price - old.price) <= 0:
                return  # not more extreme: the zigzag keeps the old swing
            swings[-1] = pivot
            self._pending = [c for c in self._pending if old not in c.pivots]
        else:
            swings.append(pivot)
            if len(swings) > MAX_SWINGS:
                del swings[0]
        if self._charts:
            self._shapes(pivot.confirmed)

    def _shapes(self, now: int) -> None:
        """Look for a shape ending at the newest swing: the most specific first (a head and
        shoulders also ends in a descending triangle; two equal peaks are a double top before
        they are the flat side of a triangle), so one new swing yields at most one candidate."""
        s = self._swings
        last = s[-1]
        deadline = last.index + self._confirm
        cand = (
            (self._head_and_shoulders(s[-5:], deadline) if len(s) >= 5 else None)
            or (self._double(s[-3:], deadline) if len(s) >= 3 else None)
            or (self._triangle(tuple(s[-4:]), deadline) if len(s) >= 4 else None)
        )
        if cand is not None and cand.deadline >= now:
            pending = self._pending
            pending.append(cand)
            if len(pending) > MAX_PENDING:
                del pending[0]

    def _double(self, three: list[Pivot], deadline: int) -> _Candidate | None:
        a, b, c = three
        tol, depth = self._tol, self._depth
        if _rel(a.price, c.price) > tol:
            return None
        mean = (a.price + c.price) / 2
        if c.kind == HIGH and "double_top" in self._charts:
            top, low = max(a.price, c.price), min(a.price, c.price)
            if low - b.price >= depth * top:
                return _Candidate(
                    "double_top", (a, b, c), None, _flat(b.price), top, mean - b.price, deadline
                )
        if c.kind == LOW and "double_bottom" in self._charts:
            bottom, high = min(a.price, c.price), max(a.price, c.price)
            if b.price - high >= depth * b.price:
                return _Candidate(
                    "double_bottom",
                    (a, b, c),
                    _flat(b.price),
                    None,
                    bottom,
                    b.price - mean,
                    deadline,
                )
        return None

    def _head_and_shoulders(self, five: list[Pivot], deadline: int) -> _Candidate | None:
        ls, t1, head, t2, rs = five
        tol, depth = self._tol, self._depth
        if _rel(ls.price, rs.price) > 2 * tol:
            return None
        neck = _line(t1, t2)
        at_head = neck(head.index)
        if head.kind == HIGH and "head_and_shoulders" in self._charts:
            height = head.price - at_head
            if (
                head.price > max(ls.price, rs.price) * (1 + tol)
                and height >= depth * head.price
                and abs(t1.price - t2.price) < height / 2
            ):
                return _Candidate(
                    "head_and_shoulders", tuple(five), None, neck, rs.price, height, deadline
                )
        if head.kind == LOW and "inverse_head_and_shoulders" in self._charts:
            height = at_head - head.price
            if (
                head.price < min(ls.price, rs.price) * (1 - tol)
                and height >= depth * at_head
                and abs(t1.price - t2.price) < height / 2
            ):
                return _Candidate(
                    "inverse_head_and_shoulders",
                    tuple(five),
                    neck,
                    None,
                    rs.price,
                    height,
                    deadline,
                )
        return None

    def _triangle(self, four: tuple[Pivot, ...], deadline: int) -> _Candidate | None:
        tol = self._tol
        a1, a2 = (p for p in four if p.kind == HIGH)
        b1, b2 = (p for p in four if p.kind == LOW)
        du = (a2.price - a1.price) / a1.price
        dl = (b2.price - b1.price) / b1.price
        if abs(du) <= tol and dl > tol:
            kind = "ascending_triangle"
        elif du < -tol and abs(dl) <= tol:
            kind = "descending_triangle"
        elif du < -tol and dl > tol:
            kind = "symmetric_triangle"
        else:
            return None
        if kind not in self._charts:
            return None
        upper, lower = _line(a1, a2), _line(b1, b2)
        start, end = four[0].index, four[-1].index
        height = upper(start) - lower(start)
        narrowing = height - (upper(end) - lower(end))
        if height < self._depth * upper(start) or narrowing <= 0:
            return None
        # The lines meet where the width, shrinking linearly, reaches zero.
        apex = start + height * (end - start) / narrowing
        return _Candidate(kind, four, upper, lower, float("nan"), height, min(deadline, int(apex)))

    def _check_candidates(self, i: int, ts: int, close: float) -> None:
        keep: list[_Candidate] = []
        confirmed: list[ChartPattern] = []
        for cand in self._pending:
            if i > cand.deadline:
                continue
            upper, lower = cand.upper, cand.lower
            if upper is not None and close > (line := upper(i)):
                direction = HIGH
            elif lower is not None and close < (line := lower(i)):
                direction = LOW
            else:
                stop = cand.stop
                # A double top / H&S closed above its stop (or a bottom below) is void.
                if stop == stop and (
                    (upper is None and close > stop) or (lower is None and close < stop)
                ):
                    continue
                keep.append(cand)
                continue
            if cand.stop == cand.stop:
                stop = cand.stop
            else:  # triangles: the latest swing on the other side
                stop = next(p.price for p in reversed(cand.pivots) if p.kind == -direction)
            target = (line if cand.upper is None or cand.lower is None else close) + (
                direction * cand.height
            )
            confirmed.append(
                ChartPattern(cand.kind, direction, i, ts, cand.pivots, line, target, stop)
            )
        self._pending = keep
        if confirmed:
            self.new_patterns = tuple(confirmed)
            if self._record:
                self.patterns.extend(confirmed)
            self.active = confirmed[-1]
            self._active_until = i + self._hold
