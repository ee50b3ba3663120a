"""The risk agent: how much a position in this symbol could lose, and whether to stand aside.

It never places orders. It reads the symbol's returns and answers with a ``Signal``: risk-off
(``veto=True``: the decision engine opens and adds nothing on the symbol while it stands) when a
limit is crossed, a mild lean towards reducing exposure when a reading nears its limit, and a
neutral vote otherwise.

Readings, all over a rolling window of ``window`` simple returns ``r = close / previous - 1``:

- **realised volatility**: the population standard deviation of the returns, scaled to one day.
- **VaR and CVaR** at ``level`` (99%) over one day, as positive fractions of the position's value,
  three ways. A day is ``h`` bars (24 for 1h bars, from the run's timeframe):

  - *parametric* (normal): the day's mean ``h mu`` and deviation ``sqrt(h) sigma`` of independent
    bars; ``VaR = -(h mu + sqrt(h) sigma z)``, ``CVaR = -(h mu - sqrt(h) sigma phi(z) / (1 -
    level))``, ``z`` the normal quantile of ``1 - level``;
  - *Cornish-Fisher*: as parametric with ``z`` replaced by ``z + (z^2 - 1) S / 6 + (z^3 - 3z) K /
    24 - (2z^3 - 5z) S^2 / 36``, where S and K are the day's skewness and excess kurtosis, those of
    a sum of h independent bars: ``S_bar / sqrt(h)`` and ``K_bar / h``. CVaR is the mean of that
    quantile over the tail, in closed form from the normal's tail moments ``E[Z^j | Z < z]``;
  - *historical*: with ``k = ceil((1 - level) n)``, the one-bar VaR is minus the k-th smallest
    return (the ``inverted_cdf`` quantile) and the one-bar CVaR minus the mean of the k smallest;
    both are scaled to one day by ``sqrt(h)`` (the square-root-of-time rule), the one
    approximation here, since a window of bars holds too few whole days for a daily quantile.

- **drawdown**: how far the close is below the highest close of the last ``drawdown_window`` bars.
- **correlation** with each other symbol of the run: returns of bars both symbols have (aligned by
  timestamp) over the window, through ``history.market`` (strictly earlier bars only).

The verdict: the risk level is the largest of ``VaR / max_var`` (VaR of ``var_method``),
``volatility / max_volatility`` and ``drawdown / max_drawdown``; a correlation of at least
``max_correlation`` with another symbol raises it to ``caution`` at least (concentration). A
level of 1 or more is risk-off (``Direction.SHORT``, strength 1, confidence 1, ``veto=True``), and
the veto stands until the level is below ``release``, so that it does not flicker at the limit. From
``caution`` the agent leans short, mildly: strength ``0.5 x (level - caution) / (1 - caution)``
(at most 0.5), confidence the level. Below, it is flat with confidence ``1 - level``.

Cost per bar: the returns sit in a ring and in a sorted list (``bisect``: a binary search and a
memmove), and running sums of r, r^2, r^3, r^4 give the moments (re-summed exactly once per window
to shed rounding drift), so every reading is updated on every bar without a pass over the window.
Only the correlations read other symbols' columns, every ``correlation_every`` bars. The answer is
keyed on the readings as the rationale prints them (truncated to 0.1 or 1 percentage point) and
reused while they stand still.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from statistics import NormalDist

from deepalpha.agents import Agent
from deepalpha.domain import Bar, Direction, Signal
from deepalpha.history import History
from deepalpha.indicators import indicator

from .options import RiskOptions

DAY_MS = 86_400_000

#: Fewest common returns for a correlation to be reported.
MIN_OVERLAP = 30

_READINGS = (
    "volatility",
    "var_historical",
    "cvar_historical",
    "var_parametric",
    "cvar_parametric",
    "var_cornish_fisher",
    "cvar_cornish_fisher",
    "drawdown",
    "level",
)

_METHOD_NAMES = {
    "historical": "historical",
    "parametric": "parametric",
    "cornish_fisher": "Cornish-Fisher",
}


def tail_constants(level: float) -> tuple[float, float, float, float]:
    """(z, E[Z | Z < z], E[Z^2 | Z < z], E[Z^3 | Z < z]) of the standard normal's lower tail of
    mass ``1 - level``: what parametric and Cornish-Fisher VaR/CVaR need, computed once."""
    alpha = 1.0 - level
    normal = NormalDist()
    z = normal.inv_cdf(alpha)
    phi = normal.pdf(z)
    m1 = -phi / alpha
    m2 = 1.0 - z * phi / alpha
    m3 = -(z * z + 2.0) * phi / alpha
    return z, m1, m2, m3


def cornish_fisher_z(z: float, skew: float, kurt: float) -> float:
    """The Cornish-Fisher expansion of the normal quantile ``z`` (``kurt`` is excess kurtosis)."""
    return (
        z
        + (z * z - 1.0) * skew / 6.0
        + (z**3 - 3.0 * z) * kurt / 24.0
        - (2.0 * z**3 - 5.0 * z) * skew * skew / 36.0
    )


def cornish_fisher_tail_mean(m1: float, m2: float, m3: float, skew: float, kurt: float) -> float:
    """Mean of the Cornish-Fisher quantile over the lower tail: the expansion is a polynomial in
    ``z``, so its tail average is the same polynomial in the tail moments."""
    return (
        m1
        + (m2 - 1.0) * skew / 6.0
        + (m3 - 3.0 * m1) * kurt / 24.0
        - (2.0 * m3 - 5.0 * m1) * skew * skew / 36.0
    )


class RiskAgent(Agent):
    name = "risk"
    #: It reads the other symbols (correlation), so its rationale differs when they run beside it;
    #: ``deepalpha.testing.check_agent`` then skips its "same alone and together" comparison.
    uses_market = True

    def __init__(self, options: RiskOptions | None = None) -> None:
        self.options = options or RiskOptions()
        o = self.options
        self.warmup = o.window + 1
        self._z, self._m1, self._m2, self._m3 = tail_constants(o.level)
        self._alpha = 1.0 - o.level
        # k = ceil(alpha n), rounded first so that 0.01 x 100 (1.0000000000000009) is 1.
        self._k = max(1, math.ceil(round(self._alpha * o.window, 9)))
        self.reset()

    def reset(self) -> None:
        o = self.options
        self._ring = [0.0] * o.window
        self._sorted: list[float] = []
        self._pos = 0
        self._count = 0
        self._prev = 0.0
        self._s1 = self._s2 = self._s3 = self._s4 = 0.0
        self._peak = indicator("DONCHIAN", streaming=True)(o.drawdown_window)
        self._top = 0.0
        self._scale = self._bars_per_day = 0.0
        self._vetoed = False
        self._bars = 0
        self._next_corr = 0
        self._corr: tuple[tuple[str, float], ...] | None = None
        self._concentrated = False
        self._values: tuple[float, ...] = ()
        self._key: tuple | None = None
        self._answer: tuple | None = None
        self._stats_key: tuple | None = None
        self._stats_text = ""

    @property
    def readings(self) -> dict[str, float]:
        """The latest readings by name (empty while warming up), exact, for tools and tests."""
        return dict(zip(_READINGS, self._values, strict=False))

    # -- per bar ----------------------------------------------------------------------------------

    def on_bar(self, bar: Bar, history: History) -> Signal | None:
        o = self.options
        close = float(bar.close)  # a numpy scalar would make every step below ~10x slower
        if not close > 0:
            raise ValueError(f"{bar.symbol}: close must be > 0 for returns, got {close!r}")
        self._bars += 1
        upper = self._peak.update(close, close)[0]
        if upper != upper:  # fewer bars than drawdown_window so far: the highest of them all
            if close > self._top:
                self._top = close
            upper = self._top
        prev = self._prev
        self._prev = close
        if prev == 0.0:
            return None
        if self._scale == 0.0:
            self._bars_per_day = DAY_MS / _step_ms(bar, history)
            self._scale = math.sqrt(self._bars_per_day)
        self._push(close / prev - 1.0)
        n = self._count
        if n < o.window:
            return None

        # Moments of the window from the running sums (population: divided by n).
        mu = self._s1 / n
        e2, e3, e4 = self._s2 / n, self._s3 / n, self._s4 / n
        mu2 = mu * mu
        var = e2 - mu2
        if var <= 0.0:
            sd = skew = kurt = 0.0
        else:
            sd = math.sqrt(var)
            skew = (e3 - 3.0 * mu * e2 + 2.0 * mu2 * mu) / (var * sd)
            kurt = (e4 - 4.0 * mu * e3 + 6.0 * mu2 * e2 - 3.0 * mu2 * mu2) / (var * var) - 3.0
        # One day is h bars. Independent bars add up: the day's mean is h mu, its deviation
        # sqrt(h) sigma, its skewness S / sqrt(h) and its excess kurtosis K / h (cumulants add).
        h = self._bars_per_day
        scale = self._scale
        mu_d, sd_d = mu * h, sd * scale
        skew_d, kurt_d = skew / scale, kurt / h
        z = self._z
        k = self._k
        tail = self._sorted[:k]
        var_h = -tail[-1] * scale
        cvar_h = -sum(tail) / k * scale
        var_p = -(mu_d + sd_d * z)
        cvar_p = -(mu_d + sd_d * self._m1)
        var_cf = -(mu_d + sd_d * cornish_fisher_z(z, skew_d, kurt_d))
        cvar_cf = -(
            mu_d + sd_d * cornish_fisher_tail_mean(self._m1, self._m2, self._m3, skew_d, kurt_d)
        )
        vol = sd_d
        drawdown = 1.0 - close / upper

        method = o.var_method
        var = var_h if method == "historical" else var_p if method == "parametric" else var_cf
        if self._bars >= self._next_corr:
            self._corr = corr = _correlations(bar, history, o.window)
            self._concentrated = bool(corr) and max(c for _, c in corr) >= o.max_correlation
            self._next_corr = self._bars + o.correlation_every

        ratios = (var / o.max_var, vol / o.max_volatility, drawdown / o.max_drawdown)
        level = max(ratios)
        governing = ratios.index(level)
        concentrated = self._concentrated
        if concentrated and level < o.caution:
            level = o.caution
        if self._vetoed:
            self._vetoed = level >= o.release
        else:
            self._vetoed = level >= 1.0
        self._values = (vol, var_h, cvar_h, var_p, cvar_p, var_cf, cvar_cf, drawdown, level)

        # The answer depends on the readings at the precision the rationale prints them
        # (truncated): VaR, CVaR and volatility in tenths of a percent, the drawdown and the risk
        # level in whole percents. It is worked out again only when one of those, or the verdict,
        # changed; on other bars the previous answer is reused.
        stats = (
            int(vol * 1000.0),
            int(var_h * 1000.0),
            int(cvar_h * 1000.0),
            int(var_p * 1000.0),
            int(cvar_p * 1000.0),
            int(var_cf * 1000.0),
            int(cvar_cf * 1000.0),
            self._corr,
        )
        key = (
            self._vetoed,
            level >= o.caution,
            int(level * 100.0),
            int(drawdown * 100.0),
            governing,
            (ratios[0] >= 1.0, ratios[1] >= 1.0, ratios[2] >= 1.0),
            concentrated,
            stats,
        )
        if key != self._key:
            self._key = key
            self._answer = self._read(key)
        return Signal("risk", bar.symbol, bar.ts, *self._answer)

    def _push(self, r: float) -> None:
        """Add a return to the window (ring, sorted list, running sums), dropping the oldest."""
        w = self.options.window
        ring, srt, pos = self._ring, self._sorted, self._pos
        r2 = r * r
        if self._count == w:
            old = ring[pos]
            del srt[bisect_left(srt, old)]
            o2 = old * old
            self._s1 += r - old
            self._s2 += r2 - o2
            self._s3 += r2 * r - o2 * old
            self._s4 += r2 * r2 - o2 * o2
        else:
            self._count += 1
            self._s1 += r
            self._s2 += r2
            self._s3 += r2 * r
            self._s4 += r2 * r2
        ring[pos] = r
        insort(srt, r)
        pos += 1
        if pos == w:
            pos = 0
            if self._count == w:  # once per window: exact sums, so rounding never accumulates
                self._s1 = math.fsum(ring)
                self._s2 = math.fsum(x * x for x in ring)
                self._s3 = math.fsum(x * x * x for x in ring)
                self._s4 = math.fsum(x * x * x * x for x in ring)
        self._pos = pos

    # -- the answer -------------------------------------------------------------------------------

    def _read(self, key: tuple) -> tuple:
        """(direction, strength, confidence, rationale, stop, take, veto) from the key's
        truncated readings (tenths of a percent for VaR and volatility, whole percents else)."""
        o = self.options
        vetoed, cautious, level_pct, drawdown_pct, governing, crossed, concentrated, stats = key
        vol, var_h, _, var_p, _, var_cf, _, _ = stats
        if stats != self._stats_key:  # the figures' part of the text changes less often
            self._stats_key = stats
            self._stats_text = self._describe_stats(stats, concentrated)
        level = level_pct / 100.0
        var = {"historical": var_h, "parametric": var_p, "cornish_fisher": var_cf}[o.var_method]
        names = ("VaR", "volatility", "drawdown")
        if vetoed:
            if any(crossed):
                over = [n for n, c in zip(names, crossed, strict=True) if c]
                why = " and ".join(over) + " over the limit"
            else:
                why = f"a reading still at {o.release:.0%} or more of its limit since the veto"
            head = f"risk-off ({why})"
            direction, strength, confidence, veto = Direction.SHORT, 1.0, 1.0, True
        elif cautious:
            nearest = "correlation" if concentrated and level <= o.caution else names[governing]
            head = f"elevated risk ({nearest} at {level_pct}% of its limit): lean to reduce"
            direction, veto = Direction.SHORT, False
            strength = min(0.5, max(0.0, 0.5 * (level - o.caution) / (1.0 - o.caution)))
            confidence = min(1.0, max(level, o.caution))
        else:
            head = f"risk within limits (highest at {level_pct}% of its limit)"
            confidence = max(0.0, 1.0 - level)
            direction, strength, veto = Direction.FLAT, 0.0, False
        limits = (
            f"1-day {o.level:.0%} VaR ({_METHOD_NAMES[o.var_method]}) {var / 10:.1f}% "
            f"(limit {o.max_var:.1%}), volatility {vol / 10:.1f}%/day "
            f"(limit {o.max_volatility:.1%}), drawdown {drawdown_pct}% below the "
            f"{o.drawdown_window}-bar high (limit {o.max_drawdown:.0%}); a "
            f"{o.max_position_per_symbol:.1%} position (max_position_per_symbol) risks "
            f"{var / 10 * o.max_position_per_symbol:.2f}% of equity"
        )
        rationale = f"{head}: {limits}. {self._stats_text}"
        return direction, strength, confidence, rationale, None, None, veto

    def _describe_stats(self, stats: tuple, concentrated: bool) -> str:
        o = self.options
        _, var_h, cvar_h, var_p, cvar_p, var_cf, cvar_cf, corr = stats
        text = (
            f"VaR/CVaR 1-day {o.level:.0%}: historical {var_h / 10:.1f}%/{cvar_h / 10:.1f}%, "
            f"parametric {var_p / 10:.1f}%/{cvar_p / 10:.1f}%, "
            f"Cornish-Fisher {var_cf / 10:.1f}%/{cvar_cf / 10:.1f}%. "
        )
        if corr is None:
            return text + "Correlation: no other symbols"
        if not corr:
            return text + "Correlation: too few common bars with the other symbols"
        listed = ", ".join(f"{sym} {c:+.2f}" for sym, c in corr)
        text += f"Correlation of returns over {o.window} bars: {listed}"
        if concentrated:
            text += f" (>= {o.max_correlation:g}: concentrated)"
        return text


def _step_ms(bar: Bar, history: History) -> int:
    """The bar length: the run's timeframe, or the spacing of the last two bars outside a run."""
    step = getattr(history, "step_ms", 0)
    if step:
        return step
    ts = history.ts
    if len(ts) >= 2 and ts[-1] > ts[-2]:
        return int(ts[-1] - ts[-2])
    raise ValueError(f"{bar.symbol}: cannot tell the bar length (no timeframe, one bar)")


def _correlations(bar: Bar, history: History, window: int) -> tuple[tuple[str, float], ...] | None:
    """Correlation of this symbol's returns with each other symbol's, over bars both have among
    their last ``window + 1`` before this bar; ``None`` when the run has no other symbol."""
    import numpy as np

    market = getattr(history, "market", None)
    if market is None:
        return None
    others = [s for s in market.symbols if s != history.symbol]
    if not others:
        return None
    ts = history.ts
    end = int(np.searchsorted(ts, bar.ts, side="left"))  # this symbol's bars before this one
    lo = max(0, end - window - 1)
    own_ts = ts[lo:end]
    own_close = history.close[lo:end]
    out = []
    for sym in others:
        their_ts = market.column(sym, "ts", before=bar.ts)[-window - 1 :]
        their_close = market.column(sym, "close", before=bar.ts)[-window - 1 :]
        _, i, j = np.intersect1d(own_ts, their_ts, assume_unique=True, return_indices=True)
        if len(i) <= MIN_OVERLAP:
            continue
        a, b = own_close[i], their_close[j]
        ra, rb = a[1:] / a[:-1] - 1.0, b[1:] / b[:-1] - 1.0
        if ra.std() == 0.0 or rb.std() == 0.0:
            continue
        out.append((sym, round(float(np.corrcoef(ra, rb)[0, 1]), 2)))
    return tuple(out)
