"""Portfolio Value at Risk, Conditional VaR and stress tests (``deepalpha risk report``).

Losses are fractions of the portfolio's value (0.031 = 3.1%), positive for a loss, over a horizon
of whole days; the report also shows them in the quote currency at the portfolio's latest value.

Three ways to the VaR / CVaR at confidence ``c`` (0.95) over ``h`` days:

- **historical**: the ``h``-day returns of the daily series (overlapping windows), sorted; the tail
  is the ``m = ceil(n x (1 - c))`` worst of the ``n``; VaR is the smallest loss in the tail (the
  ``m``-th worst, the empirical ``1 - c`` quantile by the inverted CDF), CVaR the mean of the tail;
- **parametric** (normal): daily mean ``mu`` and sample standard deviation ``s``, scaled to
  ``mu x h`` and ``s x sqrt(h)``; VaR ``= -mu_h + s_h z`` with ``z = Phi^-1(c)``, CVaR
  ``= -mu_h + s_h phi(z) / (1 - c)``;
- **Monte Carlo**: ``simulations`` paths of ``h`` daily returns drawn with replacement from the
  sample (a seeded bootstrap, so the same seed gives the same figures), compounded; VaR and CVaR
  of the paths as for the historical method.

Stress tests replay the worst windows found in the data: for each symbol and each window length
(1, 7 and 30 days), the largest fall from a close to a later close no more than that long after
it (the ``worst`` such windows that do not overlap). Every symbol's own return between the same
two times is applied to the current positions, so a scenario keeps what the other symbols did
meanwhile.

Floats throughout: this is analytics, nothing here is booked.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from statistics import NormalDist
from typing import Any

import numpy as np
from attrs import asdict, frozen

__all__ = [
    "DAY_MS",
    "RiskReport",
    "StressScenario",
    "VaR",
    "build_report",
    "daily_closes",
    "format_report",
    "historical_var",
    "monte_carlo_var",
    "parametric_var",
    "tail_size",
    "worst_windows",
]

DAY_MS = 86_400_000


@frozen
class VaR:
    method: str
    confidence: float
    horizon_days: int
    #: Fractions of the portfolio's value, positive for a loss.
    var: float
    cvar: float
    #: The same in the quote currency at the portfolio's value.
    var_amount: float
    cvar_amount: float
    #: Returns (or simulated paths) the figures come from.
    observations: int


@frozen
class StressScenario:
    #: The symbol whose fall defines the window, and the window's length in days.
    symbol: str
    days: int
    start: int
    end: int
    #: That symbol's fall over the window (negative).
    drop: float
    #: Every symbol's return between ``start`` and ``end`` (``None``: no data then).
    returns: dict[str, float | None]
    #: What the current positions would gain (negative: lose) over the window.
    pnl: float
    pnl_fraction: float


@frozen
class RiskReport:
    source: str
    value: float
    positions: dict[str, float]
    var: tuple[VaR, ...]
    stress: tuple[StressScenario, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self, recurse=True, value_serializer=lambda _i, _a, v: v)


# -- the three VaR methods ---------------------------------------------------------------------


def _check_confidence(confidence: float) -> None:
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence: must be in [0.5, 1), got {confidence!r}")


def tail_size(n: int, confidence: float) -> int:
    """``ceil(n x (1 - confidence))``, at least 1, without float noise (100 x 0.05 is 5, not 6)."""
    return max(1, math.ceil(round(n * (1 - confidence), 9)))


def historical_var(returns: Sequence[float] | np.ndarray, confidence: float) -> tuple[float, float]:
    """``(VaR, CVaR)`` of a sample of returns: the ``m``-th worst loss and the mean of the ``m``
    worst, ``m = ceil(n x (1 - confidence))``."""
    _check_confidence(confidence)
    r = np.sort(np.asarray(returns, dtype=np.float64))
    if len(r) == 0:
        raise ValueError("historical VaR needs at least one return")
    m = tail_size(len(r), confidence)
    tail = r[:m]
    return float(-tail[-1]), float(-np.mean(tail))


def parametric_var(
    mean: float, std: float, confidence: float, horizon: int = 1
) -> tuple[float, float]:
    """``(VaR, CVaR)`` of normal returns with daily ``mean`` and ``std``, over ``horizon`` days."""
    _check_confidence(confidence)
    dist = NormalDist()
    z = dist.inv_cdf(confidence)
    mu = mean * horizon
    sigma = std * math.sqrt(horizon)
    return -mu + sigma * z, -mu + sigma * dist.pdf(z) / (1 - confidence)


def monte_carlo_var(
    daily: Sequence[float] | np.ndarray,
    confidence: float,
    horizon: int = 1,
    *,
    simulations: int = 10_000,
    seed: int = 0,
) -> tuple[float, float]:
    """``(VaR, CVaR)`` of ``simulations`` ``horizon``-day paths bootstrapped from ``daily``."""
    sample = np.asarray(daily, dtype=np.float64)
    if len(sample) == 0:
        raise ValueError("Monte Carlo VaR needs at least one return")
    rng = np.random.default_rng(seed)
    draws = rng.choice(sample, size=(simulations, horizon), replace=True)
    paths = np.prod(1.0 + draws, axis=1) - 1.0
    return historical_var(paths, confidence)


# -- series ------------------------------------------------------------------------------------


def daily_closes(ts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last value of each UTC day (days without a value are left out)."""
    ts = np.asarray(ts, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if len(ts) == 0:
        return ts, values
    days = ts // DAY_MS
    last = np.flatnonzero(np.append(days[1:] != days[:-1], True))
    return days[last] * DAY_MS, values[last]


def _horizon_returns(values: np.ndarray, horizon: int) -> np.ndarray:
    if len(values) <= horizon:
        return np.empty(0)
    return values[horizon:] / values[:-horizon] - 1.0


# -- stress windows --------------------------------------------------------------------------


def worst_windows(
    ts: np.ndarray, close: np.ndarray, days: float, count: int = 1
) -> list[tuple[float, int, int]]:
    """The ``count`` largest falls ``(drop, start index, end index)`` from a close to a later
    close at most ``days`` after it, most severe first, no two overlapping in time."""
    ts = np.asarray(ts, dtype=np.int64)
    close = np.asarray(close, dtype=np.float64)
    n = len(ts)
    span = round(days * DAY_MS)
    ends = np.searchsorted(ts, ts + span, side="right")  # exclusive end of each window
    window: deque[int] = deque()  # indices of a sliding minimum over (i, ends[i])
    right = 0
    candidates: list[tuple[float, int, int]] = []
    for i in range(n):
        while right < ends[i]:
            while window and close[window[-1]] >= close[right]:
                window.pop()
            window.append(right)
            right += 1
        while window and window[0] <= i:
            window.popleft()
        if window and close[i] > 0:
            j = window[0]
            drop = close[j] / close[i] - 1.0
            if drop < 0:
                candidates.append((drop, i, j))
    candidates.sort()
    chosen: list[tuple[float, int, int]] = []
    for drop, i, j in candidates:
        if len(chosen) >= count:
            break
        if all(j < a or i > b for _, a, b in chosen):
            chosen.append((drop, i, j))
    return chosen


def _as_of(ts: np.ndarray, close: np.ndarray, when: int) -> float | None:
    k = int(np.searchsorted(ts, when, side="right")) - 1
    return float(close[k]) if k >= 0 else None


# -- the report --------------------------------------------------------------------------------


def build_report(
    *,
    returns_ts: np.ndarray,
    returns_values: np.ndarray,
    positions: Mapping[str, float],
    series: Mapping[str, tuple[np.ndarray, np.ndarray]],
    value: float,
    source: str,
    confidence: float = 0.95,
    horizon: int = 1,
    simulations: int = 10_000,
    seed: int = 0,
    windows: Sequence[float] = (1, 7, 30),
    worst: int = 1,
    notes: Sequence[str] = (),
) -> RiskReport:
    """VaR / CVaR of the value series ``(returns_ts, returns_values)`` (an equity curve, any
    frequency: it is reduced to daily closes) and stress tests of ``positions`` (signed values in
    the quote currency per symbol) over the closes in ``series`` (``symbol -> (ts, close)``)."""
    _check_confidence(confidence)
    if horizon < 1:
        raise ValueError(f"horizon: must be a whole number of days >= 1, got {horizon!r}")
    _, daily = daily_closes(returns_ts, returns_values)
    one_day = _horizon_returns(daily, 1)
    h_day = _horizon_returns(daily, horizon)
    if len(one_day) < 2 or len(h_day) < 1:
        raise ValueError(
            f"VaR needs at least 2 daily returns and one {horizon}-day return; the series has "
            f"{len(daily)} daily values"
        )
    results = []
    hist = historical_var(h_day, confidence)
    mean, std = float(np.mean(one_day)), float(np.std(one_day, ddof=1))
    param = parametric_var(mean, std, confidence, horizon)
    mc = monte_carlo_var(one_day, confidence, horizon, simulations=simulations, seed=seed)
    for method, (var, cvar), count in (
        ("historical", hist, len(h_day)),
        ("parametric", param, len(one_day)),
        ("monte_carlo", mc, simulations),
    ):
        results.append(
            VaR(method, confidence, horizon, var, cvar, var * value, cvar * value, count)
        )

    scenarios: list[StressScenario] = []
    for days in windows:
        for symbol, (ts, close) in series.items():
            for drop, i, j in worst_windows(ts, close, days, worst):
                start, end = int(ts[i]), int(ts[j])
                moves: dict[str, float | None] = {}
                pnl = 0.0
                for other, (ots, oclose) in series.items():
                    a, b = _as_of(ots, oclose, start), _as_of(ots, oclose, end)
                    move = None if a is None or b is None or a <= 0 else b / a - 1.0
                    moves[other] = move
                    if move is not None:
                        pnl += positions.get(other, 0.0) * move
                scenarios.append(
                    StressScenario(
                        symbol,
                        int(days) if float(days).is_integer() else days,
                        start,
                        end,
                        drop,
                        moves,
                        pnl,
                        pnl / value if value else 0.0,
                    )
                )
    scenarios.sort(key=lambda s: (s.days, s.pnl))
    return RiskReport(
        source, value, dict(positions), tuple(results), tuple(scenarios), tuple(notes)
    )


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def format_report(report: RiskReport) -> str:
    """The report as text tables."""
    lines = [f"Risk report: {report.source}", f"Portfolio value: {report.value:,.2f}"]
    if report.positions:
        held = ", ".join(f"{s} {v:,.2f}" for s, v in sorted(report.positions.items()))
        lines.append(f"Positions (value): {held}")
    else:
        lines.append("Positions: flat")
    lines.extend(f"Note: {note}" for note in report.notes)
    if report.var:
        first = report.var[0]
        lines += [
            "",
            f"Value at Risk, {first.confidence:.1%} confidence, {first.horizon_days}-day horizon",
            f"{'method':<12} {'VaR':>8} {'CVaR':>8} {'VaR amount':>14} {'CVaR amount':>14} "
            f"{'observations':>12}",
        ]
        for v in report.var:
            lines.append(
                f"{v.method:<12} {v.var:>8.2%} {v.cvar:>8.2%} {v.var_amount:>14,.2f} "
                f"{v.cvar_amount:>14,.2f} {v.observations:>12,}"
            )
    if report.stress:
        symbols = sorted({s for sc in report.stress for s in sc.returns})
        lines += [
            "",
            "Stress tests: the worst windows in the data, replayed on the positions",
            f"{'days':>4} {'worst of':<12} {'from':<16} {'to':<16} "
            + " ".join(f"{s:>12}" for s in symbols)
            + f" {'P&L':>14} {'P&L %':>8}",
        ]
        for sc in report.stress:
            moves = " ".join(
                f"{'n/a':>12}" if sc.returns.get(s) is None else f"{sc.returns[s]:>12.2%}"
                for s in symbols
            )
            lines.append(
                f"{sc.days:>4} {sc.symbol:<12} {_day(sc.start):<16} {_day(sc.end):<16} {moves} "
                f"{sc.pnl:>14,.2f} {sc.pnl_fraction:>8.2%}"
            )
    return "\n".join(lines)
