"""The trend agent: direction and strength on several timeframes, their agreement, and the risk
that the trend is about to reverse.

Each timeframe is a :class:`_Frame` of the kernel's streaming indicators (moving averages, ADX,
RSI, MACD), updated once per bar of that timeframe: the run's own timeframe on every bar, a coarser
one only when ``history.resampled(tf)`` has grown, that is when one of its bars has closed. A 4h
frame therefore never sees a 4h bar still forming, and the agent costs the same on bar 20,000 as on
bar 100.

Per frame:

- **direction**: the moving averages in order, as votes: close against the shortest average, then
  each average against the next longer one (``close > EMA7 > EMA25 > EMA99`` is +3 of 3 votes). The
  alignment ``a`` is the mean vote, in [-1, 1].
- **strength**: the ADX in bands of ``ADX_BAND`` (5) points, read as a fraction of ``adx_strong``
  (25, the classic "strong trend" level) and capped at 1: ADX 17 reads 15, strength 15/25. The
  frame's score is ``a x min(1, band / adx_strong)``.
- **reversal signs**, each against one direction: an RSI or MACD-histogram *divergence* (two
  confirmed swing highs with a higher price and a lower RSI/histogram is bearish; two lows with a
  lower price and a higher reading is bullish), *momentum fading* (the MACD histogram shrinking for
  ``fade_bars`` bars), and a *market-structure break* (higher highs and higher lows, then a close
  under the last higher low; the mirror for a down trend). Swings are confirmed ``swing`` bars after
  the fact, from data up to the current bar only.

Across frames: the score is the mean of the ready frames' scores (frames still warming up are left
out and named in the rationale); below ``min_score`` the agent is flat. Agreement is the share of
ready frames pointing the combined way. The reversal risk of a frame against a direction is ``0.2 x
RSI divergence + 0.2 x MACD divergence + 0.25 x fading + 0.35 x structure break`` (weights sum to
1); the agent's reversal risk is the mean over ready frames. Strength = ``|score|``; confidence =
agreement x (1 - reversal risk). When flat, strength is 0 and confidence ``1 - |score| /
min_score``: the closer the frames cancel out, the surer "no trend" is.

Readings that enter the signal are discrete (votes, ADX bands, flags), so the signal is worked out
only when one of them changed; on other bars the previous answer is reused. A frame's text is
memoised by its readings.
"""

from __future__ import annotations

from collections import deque

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Direction, Signal
from deepalpha.history import History
from deepalpha.indicators import indicator

from .options import TrendOptions

#: Weights of the reversal signs in a frame's reversal risk (they sum to 1).
W_RSI_DIVERGENCE = 0.2
W_MACD_DIVERGENCE = 0.2
W_FADING = 0.25
W_STRUCTURE_BREAK = 0.35

#: Width of the ADX bands a frame's strength is read in.
ADX_BAND = 5

#: Coarser timeframes read by default, when they are whole multiples of the run's.
DEFAULT_HIGHER = ("4h", "1d")

_WORD = {1: "up", -1: "down", 0: "flat"}
_CMP = {1: ">", -1: "<", 0: "="}


class _Swing:
    """A confirmed swing high or low: where it was and what RSI and the MACD histogram read."""

    __slots__ = ("bar", "hist", "price", "rsi")

    def __init__(self, bar: int, price: float, rsi: float, hist: float) -> None:
        self.bar, self.price, self.rsi, self.hist = bar, price, rsi, hist


class _Frame:
    """One timeframe's indicator streams, swing detector and current readings."""

    def __init__(self, label: str, o: TrendOptions, warmup: int) -> None:
        self.label = label
        self.o = o
        ma = indicator(o.ma, streaming=True)
        self.mas = tuple(ma(p) for p in o.periods)
        self.ma_names = tuple(f"{o.ma.upper()}{p}" for p in o.periods)
        self.rsi = indicator("RSI", streaming=True)(o.rsi_period)
        self.macd = indicator("MACD", streaming=True)(o.macd_fast, o.macd_slow, o.macd_signal)
        self.adx = indicator("ADX", streaming=True)(o.adx_period)
        width = 2 * o.swing + 1
        self._hi: deque[float] = deque(maxlen=width)
        self._lo: deque[float] = deque(maxlen=width)
        self._rsi: deque[float] = deque(maxlen=width)
        self._hist: deque[float] = deque(maxlen=width)
        self.bars = 0
        self.highs: list[_Swing] = []  # the last two confirmed swing highs, oldest first
        self.lows: list[_Swing] = []
        self._div_bear = (False, False, -1)  # (rsi, macd, bar it was confirmed)
        self._div_bull = (False, False, -1)
        self._prev_hist = float("nan")
        self._falling = self._rising = 0
        #: The readings, hashable; ``None`` while the frame is warming up.
        self.state: tuple | None = None
        #: (score, reversal risk against long, against short, text) of ``state``.
        self.current: tuple | None = None
        self._readings: dict[tuple, tuple] = {}
        self._structure: tuple[int, float] = (0, 0.0)
        self.warming = f"{label}: warming up (needs {warmup} closed bars)"

    def _reading(self, state: tuple) -> tuple:
        """(score, reversal risk against long, against short, text) of a state, memoised: a
        frame's readings come back to the same few combinations again and again."""
        found = self._readings.get(state)
        if found is None:
            if len(self._readings) > 4096:
                self._readings.clear()
            o = self.o
            found = self._readings[state] = (
                _frame_score(state, o),
                _reversal(state, 1),
                _reversal(state, -1),
                _describe_frame(self, state, o),
            )
        return found

    def update(self, high: float, low: float, close: float) -> bool:
        """Feed one closed bar of this timeframe; True when the frame's reading changed."""
        o = self.o
        self.bars = bars = self.bars + 1
        mas = self.mas
        first = last = mas[0].update(close)
        votes = [1 if close > first else -1 if close < first else 0]
        for ma in mas[1:]:
            value = ma.update(close)
            votes.append(1 if last > value else -1 if last < value else 0)
            last = value
        rsi = self.rsi.update(close)
        hist = self.macd.update(close)[2]
        adx = self.adx.update(high, low, close)

        # Swings: the middle of the last 2*swing+1 bars, once it is their first maximum (minimum).
        hi, lo = self._hi, self._lo
        hi.append(high)
        lo.append(low)
        self._rsi.append(rsi)
        self._hist.append(hist)
        if len(hi) == hi.maxlen:
            s = o.swing
            top = max(hi)
            if hi[s] == top and hi.index(top) == s:
                swing = _Swing(bars - 1 - s, top, self._rsi[s], self._hist[s])
                self._add_swing(self.highs, swing)
            bottom = min(lo)
            if lo[s] == bottom and lo.index(bottom) == s:
                swing = _Swing(bars - 1 - s, bottom, self._rsi[s], self._hist[s])
                self._add_swing(self.lows, swing)

        # Momentum: how many bars in a row the MACD histogram shrank (grew).
        prev = self._prev_hist
        if hist < prev:
            self._falling += 1
            self._rising = 0
        elif hist > prev:
            self._rising += 1
            self._falling = 0
        else:  # equal, or NaN on either side
            self._falling = self._rising = 0
        self._prev_hist = hist

        if last != last or adx != adx or hist != hist or rsi != rsi:
            self.state = self.current = None  # NaN: still warming up
            return False
        structure, level = self._structure
        broken = 0
        if structure == 1 and close < level:
            broken = -1
        elif structure == -1 and close > level:
            broken = 1
        fading = -1 if self._falling >= o.fade_bars else 1 if self._rising >= o.fade_bars else 0
        bear_rsi, bear_macd, since = self._div_bear
        if bars - since > o.divergence_bars:
            bear_rsi = bear_macd = False
        bull_rsi, bull_macd, since = self._div_bull
        if bars - since > o.divergence_bars:
            bull_rsi = bull_macd = False
        state = (
            tuple(votes),
            # Bands of ADX_BAND points up to ``adx_strong``: strength is full there, and finer
            # steps would change the reading (and rewrite the rationale) on most bars.
            int(adx // ADX_BAND) * ADX_BAND if adx < o.adx_strong else o.adx_strong,
            bear_rsi,
            bear_macd,
            bull_rsi,
            bull_macd,
            fading,
            structure,
            broken,
            level if broken else 0.0,
        )
        if state == self.state:
            return False
        self.state = state
        self.current = self._reading(state)
        return True

    def _add_swing(self, swings: list[_Swing], new: _Swing) -> None:
        """Keep the last two swings; a new pair may form a divergence or change the structure."""
        swings.append(new)
        if len(swings) > 2:
            del swings[0]
        if len(swings) < 2:
            return
        old = swings[0]
        if swings is self.highs and new.price > old.price:  # higher high: weaker readings?
            self._div_bear = (new.rsi < old.rsi, new.hist < old.hist, self.bars)
        elif swings is self.lows and new.price < old.price:  # lower low: stronger readings?
            self._div_bull = (new.rsi > old.rsi, new.hist > old.hist, self.bars)
        if len(self.highs) == 2 and len(self.lows) == 2:
            h1, h2 = self.highs[0].price, self.highs[1].price
            l1, l2 = self.lows[0].price, self.lows[1].price
            if h2 > h1 and l2 > l1:  # higher highs and higher lows: broken under the last low
                self._structure = (1, l2)
            elif h2 < h1 and l2 < l1:  # lower highs and lower lows: broken over the last high
                self._structure = (-1, h2)
            else:
                self._structure = (0, 0.0)


def _sign(x: float) -> int:
    return 1 if x > 0 else -1 if x < 0 else 0


class TrendAgent(Agent):
    name = "trend"

    def __init__(self, options: TrendOptions | None = None) -> None:
        self.options = options or TrendOptions()
        o = self.options
        self.warmup = max(
            o.periods[-1], o.macd_slow + o.macd_signal, 2 * o.adx_period, o.rsi_period + 1
        )
        self.reset()

    def reset(self) -> None:
        self._base: _Frame | None = None
        self._coarse: list[list] = []  # [coarse History, frame, coarse bars consumed]
        self._frames: list[_Frame] = []
        self._history: History | None = None
        self._answer: tuple | None = None

    # -- per bar ----------------------------------------------------------------------------------

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        if history is not self._history:  # the first call (or another History: start over)
            self._setup(history)
        base = self._base
        changed = False
        if base is not None:  # float(): numpy scalars in a Bar would slow every comparison
            changed = base.update(float(bar.high), float(bar.low), float(bar.close))
        for entry in self._coarse:
            coarse = entry[0]  # the coarse History: it grows by one when a coarse bar closes
            n = len(coarse)
            if n != entry[2]:  # a coarser bar closed: feed it (and any others that did)
                frame = entry[1]
                high, low, close = coarse.high, coarse.low, coarse.close
                for i in range(entry[2], n):
                    changed |= frame.update(float(high[i]), float(low[i]), float(close[i]))
                entry[2] = n
        if changed or self._answer is None:  # (None: warming up, or the first call)
            self._answer = self._read(tuple([f.current for f in self._frames]))
        answer = self._answer
        if answer is None:
            return None
        return Signal("trend", bar.symbol, bar.ts, *answer)

    def _setup(self, history: History) -> None:
        """Which frames to keep, from the options and the run's own timeframe, each fed with the
        bars the History already holds (first call, or a History other than the last one)."""
        o = self.options
        self._answer = None
        base = history.timeframe
        if base is None:
            if o.timeframes is not None:
                raise ValueError(
                    f"timeframes: {list(o.timeframes)!r} needs the run's timeframe, and "
                    f"{history.symbol}'s History has none"
                )
            self._base = _Frame("base", o, self.warmup)
            self._frames = [self._base]
            high, low, close = history.high, history.low, history.close
            for i in range(len(history) - 1):
                self._base.update(float(high[i]), float(low[i]), float(close[i]))
            self._history = history
            return
        from deepalpha.data import TIMEFRAMES

        step = TIMEFRAMES[base]
        if o.timeframes is None:
            wanted = [base] + [
                tf for tf in DEFAULT_HIGHER if TIMEFRAMES[tf] > step and TIMEFRAMES[tf] % step == 0
            ]
        else:
            wanted = sorted(o.timeframes, key=TIMEFRAMES.__getitem__)
        frames, coarse_frames, base_frame = [], [], None
        for tf in wanted:
            if tf == base:
                base_frame = _Frame(tf, o, self.warmup)
                frames.append(base_frame)
                continue
            try:
                coarse = history.resampled(tf)
            except ValueError as exc:
                raise ValueError(f"timeframes: {exc}") from None
            frame = _Frame(tf, o, self.warmup)
            # Bars that closed before the agent's first call (a history handed over mid-run).
            high, low, close = coarse.high, coarse.low, coarse.close
            for i in range(len(coarse)):
                frame.update(float(high[i]), float(low[i]), float(close[i]))
            coarse_frames.append([coarse, frame, len(coarse)])
            frames.append(frame)
        if base_frame is not None:  # the same for the run's own bars, the current one excepted
            high, low, close = history.high, history.low, history.close
            for i in range(len(history) - 1):
                base_frame.update(float(high[i]), float(low[i]), float(close[i]))
        self._base, self._coarse, self._frames = base_frame, coarse_frames, frames
        self._history = history

    # -- reading the frames -----------------------------------------------------------------------

    def _read(self, readings: tuple) -> tuple | None:
        """(direction, strength, confidence, rationale) from the frames' current readings."""
        o = self.options
        ready = [r for r in readings if r is not None]
        if not ready:
            return None
        n = len(ready)
        score = sum([r[0] for r in ready]) / n
        # A hair of tolerance, so that a score printed as 0.20 counts as 0.20 (1/3 x 0.6 is
        # 0.1999...).
        if abs(score) < o.min_score - 1e-9:
            head = f"no clear trend: score {score:+.2f} (|score| < {o.min_score:g})"
            direction, strength = Direction.FLAT, 0.0
            confidence = 1.0 - abs(score) / o.min_score
        elif score > 0:
            direction, strength = Direction.LONG, min(1.0, score)
            agree = sum([1 for r in ready if r[0] > 0])
            reversal = sum([r[1] for r in ready]) / n
            confidence = agree / n * (1.0 - reversal)
            head = (
                f"up trend, score {score:+.2f}; {agree}/{n} timeframes agree; "
                f"reversal risk {reversal:.2f} against it"
            )
        else:
            direction, strength = Direction.SHORT, min(1.0, -score)
            agree = sum([1 for r in ready if r[0] < 0])
            reversal = sum([r[2] for r in ready]) / n
            confidence = agree / n * (1.0 - reversal)
            head = (
                f"down trend, score {score:+.2f}; {agree}/{n} timeframes agree; "
                f"reversal risk {reversal:.2f} against it"
            )
        parts = [head]
        for frame, r in zip(self._frames, readings, strict=True):
            parts.append(frame.warming if r is None else r[3])
        return direction, strength, min(1.0, max(0.0, confidence)), ". ".join(parts)


def _frame_score(state: tuple, o: TrendOptions) -> float:
    votes, adx = state[0], state[1]
    return sum(votes) / len(votes) * min(1.0, adx / o.adx_strong)


def _reversal(state: tuple, d: int) -> float:
    """The frame's reversal risk against direction ``d`` (+1 long, -1 short), in [0, 1]."""
    _, _, bear_rsi, bear_macd, bull_rsi, bull_macd, fading, _, broken, _ = state
    if d > 0:
        rsi, macd = bear_rsi, bear_macd
    else:
        rsi, macd = bull_rsi, bull_macd
    return (
        W_RSI_DIVERGENCE * rsi
        + W_MACD_DIVERGENCE * macd
        + W_FADING * (fading == -d)
        + W_STRUCTURE_BREAK * (broken == -d)
    )


def _describe_frame(frame: _Frame, state: tuple, o: TrendOptions) -> str:
    votes, adx, bear_rsi, bear_macd, bull_rsi, bull_macd, fading, structure, broken, level = state
    names = frame.ma_names
    chain = f"close {_CMP[votes[0]]} {names[0]}"
    for i in range(1, len(votes)):
        chain += f" {_CMP[votes[i]]} {names[i]}"
    total = sum(votes)
    word = _WORD[_sign(total)]
    if adx < o.adx_strong:
        strength = f"ADX {adx}-{min(adx + ADX_BAND, o.adx_strong):g} (weak)"
    else:
        strength = f"ADX >= {o.adx_strong:g} (strong)"
    text = (
        f"{frame.label}: {word} ({chain}, votes {total:+d}/{len(votes)}), "
        f"{strength}, score {_frame_score(state, o):+.2f}"
    )
    if structure == 1:
        text += ", structure higher highs/higher lows"
    elif structure == -1:
        text += ", structure lower highs/lower lows"
    signs = []
    if bear_rsi:
        signs.append("bearish RSI divergence")
    if bear_macd:
        signs.append("bearish MACD divergence")
    if bull_rsi:
        signs.append("bullish RSI divergence")
    if bull_macd:
        signs.append("bullish MACD divergence")
    if fading == -1:
        signs.append(f"MACD histogram falling for {o.fade_bars}+ bars")
    elif fading == 1:
        signs.append(f"MACD histogram rising for {o.fade_bars}+ bars")
    if broken == -1:
        signs.append(f"structure broken: close below the last higher low {level:.6g}")
    elif broken == 1:
        signs.append(f"structure broken: close above the last lower high {level:.6g}")
    text += ", reversal signs: " + ("; ".join(signs) if signs else "none")
    return text
