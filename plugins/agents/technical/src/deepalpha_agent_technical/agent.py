"""The technical agent: kernel indicators read as votes, per timeframe, combined.

Each timeframe (the run's own, plus any coarser ones in ``timeframes``) has its own set of
readings (``readings.py``). Per timeframe the score is the weighted mean of the readings' votes;
the agent's score is the weighted mean over timeframes. Direction is the score's sign (flat below
``min_score``), strength is ``|score|``, confidence is the weighted share of votes that agree with
the direction. A coarse timeframe's readings move only when one of its bars closes
(``history.resampled``), so nothing of a still-forming 4h or 1d bar is ever used.

With the default options (one timeframe; EMA 12/26 cross 0.5, MACD 12/26/9 histogram 0.3, RSI 14 at
30/70 0.2; ATR 14 for a 2-ATR stop suggestion) this is the three-reading agent DeepAlpha started
with, plus the stop.
"""

from __future__ import annotations

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Direction, Signal
from deepalpha.history import History

from .options import TechnicalOptions
from .readings import Reading


class _Frame:
    """The readings of one timeframe and their latest votes."""

    __slots__ = ("base", "label", "readings", "seen", "steps", "timeframe", "votes", "weight")

    def __init__(
        self, timeframe: str | None, weight: float, options: TechnicalOptions, label: str
    ) -> None:
        self.timeframe = timeframe
        self.label = label
        self.base = timeframe is None
        self.weight = weight
        self.readings = [Reading(name, params) for name, params in options.indicator_set()]
        self.steps = [reading.step for reading in self.readings]
        self.seen = 0
        self.votes: tuple[int, ...] | None = None

    def feed(self, bar: Bar) -> None:
        # Every reading is updated on every bar (warming up or not), so the indicators' states
        # never depend on when the others became ready.
        votes = []
        ready = True
        for reading, step in zip(self.readings, self.steps, strict=True):
            vote, reading.value = step(bar)
            if vote is None:
                ready = False
            votes.append(vote)
        self.votes = tuple(votes) if ready else None

    def catch_up(self, history: History) -> None:
        """Feed the coarse bars that closed since the last look (usually none, sometimes one)."""
        coarse = history.resampled(self.timeframe)
        n = len(coarse)
        if n == self.seen:
            return
        ts, o, h, lo, c, v = (
            coarse.ts,
            coarse.open,
            coarse.high,
            coarse.low,
            coarse.close,
            coarse.volume,
        )
        for i in range(self.seen, n):
            self.feed(
                Bar(
                    history.symbol,
                    int(ts[i]),
                    float(o[i]),
                    float(h[i]),
                    float(lo[i]),
                    float(c[i]),
                    float(v[i]),
                )
            )
        self.seen = n


class TechnicalAgent(Agent):
    name = "technical"

    def __init__(self, options: TechnicalOptions | None = None) -> None:
        self.options = options or TechnicalOptions()
        o = self.options
        self.timeframes = tuple(tf for tf in o.timeframes if tf)
        self.warmup = o.warmup_bars()
        self.reset()

    def reset(self) -> None:
        o = self.options
        readings = [Reading(name, params) for name, params in o.indicator_set()]
        roles = [r.role for r in readings]
        params = [p for _, p in o.indicator_set()]
        self._voting = [i for i, role in enumerate(roles) if role not in ("stops", "strength")]
        self._stops = [
            (i, params[i]["stop"], readings[i].name) for i, r in enumerate(roles) if r == "stops"
        ]
        self._strength = [
            (i, params[i]["threshold"]) for i, r in enumerate(roles) if r == "strength"
        ]
        self._frames: list[_Frame] | None = None  # built on the first bar, which names the base
        self._memo: dict[tuple, tuple[Direction, float, float, str]] = {}

    def _build(self, base: str | None) -> list[_Frame]:
        o = self.options
        wanted = self.timeframes or (base,)
        weights = o.timeframe_weight_list(len(wanted))
        return [
            _Frame(None if tf == base else tf, w, o, label=tf or "")
            for tf, w in zip(wanted, weights, strict=True)
        ]

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        frames = self._frames
        if frames is None:
            frames = self._frames = self._build(history.timeframe)
        for frame in frames:
            if frame.base:
                frame.feed(bar)
            else:
                frame.catch_up(history)
        key = tuple(frame.votes for frame in frames)
        if None in key:
            return None  # still warming up: abstain
        reading = self._memo.get(key)
        if reading is None:
            reading = self._memo[key] = self._read(key)
        direction, strength, confidence, rationale = reading
        stop = None
        base = frames[0]
        if self._strength:
            for i, threshold in self._strength:
                adx = base.readings[i].value
                if adx == adx and adx < threshold:
                    strength *= 0.5
                    rationale = (
                        f"{rationale}; ADX {adx:.0f} < {threshold:g}: weak trend, strength halved"
                    )
        if direction is not Direction.FLAT and self._stops:
            i, multiple, name = self._stops[0]
            atr = base.readings[i].value
            if multiple and atr == atr and atr > 0:
                if name == "NATR":
                    atr = atr / 100.0 * bar.close
                level = bar.close - int(direction) * multiple * atr
                if level > 0:
                    stop = level
        return Signal(
            "technical",
            bar.symbol,
            bar.ts,
            direction,
            strength,
            confidence,
            rationale,
            stop,
        )

    def _read(self, key: tuple) -> tuple[Direction, float, float, str]:
        """Direction, strength, confidence and wording for one combination of votes (memoised:
        there are few combinations, and per bar the agent only updates its indicators)."""
        o = self.options
        total_weight = 0.0
        score = 0.0
        parts = []
        per_frame = []
        for frame, votes in zip(self._frames, key, strict=True):
            w_sum = sum(frame.readings[i].weight for i in self._voting) or 1.0
            s = sum(frame.readings[i].weight * votes[i] for i in self._voting) / w_sum
            per_frame.append((frame, votes, w_sum))
            score += frame.weight * s
            total_weight += frame.weight
            words = "; ".join(frame.readings[i].describe(votes[i]) for i in self._voting)
            parts.append(f"{frame.label}: {words}" if len(self._frames) > 1 else words)
        score /= total_weight or 1.0
        if abs(score) < o.min_score:
            direction, confidence = Direction.FLAT, 0.0
        else:
            direction = Direction.LONG if score > 0 else Direction.SHORT
            sign = int(direction)
            agree = 0.0
            for frame, votes, w_sum in per_frame:
                agree += (
                    frame.weight
                    * sum(frame.readings[i].weight for i in self._voting if votes[i] == sign)
                    / w_sum
                )
            confidence = agree / (total_weight or 1.0)
        rationale = " | ".join(parts)
        if len(self._frames) > 1:
            rationale += f" -> score {score:+.2f} over {len(self._frames)} timeframes"
        return direction, min(1.0, abs(score)), min(1.0, confidence), rationale
