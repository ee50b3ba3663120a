"""Readings: one kernel indicator, updated once per bar, turned into a vote.

Every indicator a user can name under ``indicators:`` has a *role* that says how its value votes:

- ``cross`` (EMA, SMA, WMA, DEMA, TEMA, TRIMA, KAMA): a fast and a slow average; +1 when the fast
  one is above the slow one, -1 below.
- ``momentum`` (MACD's histogram, PPO, APO, ROC, MOM, TRIX): the sign of the value.
- ``oscillator`` (RSI, CMO, MFI, WILLR, CCI): +1 below ``oversold``, -1 above ``overbought``, else 0
  (a mean-reversion reading).
- ``stops`` (ATR, NATR): no vote; a stop-loss ``stop`` ATRs from the close is suggested with the
  signal.
- ``strength`` (ADX): no vote; below ``threshold`` the trend is weak and the signal's strength is
  halved.

The kernel's streaming classes do the arithmetic, so a reading costs one ``update`` per bar and
gives exactly the values of the batch functions (and TA-Lib).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from deepalpha.domain import Bar
from deepalpha.indicators import indicator

CROSS = ("EMA", "SMA", "WMA", "DEMA", "TEMA", "TRIMA", "KAMA")
MOMENTUM = ("MACD", "PPO", "APO", "ROC", "MOM", "TRIX")
OSCILLATOR = ("RSI", "CMO", "MFI", "WILLR", "CCI")
STOPS = ("ATR", "NATR")
STRENGTH = ("ADX",)

#: (oversold, overbought) each oscillator is conventionally read with.
LEVELS = {
    "RSI": (30.0, 70.0),
    "CMO": (-50.0, 50.0),
    "MFI": (20.0, 80.0),
    "WILLR": (-80.0, -20.0),
    "CCI": (-100.0, 100.0),
}
#: Parameters each role takes, with defaults (``weight`` is the reading's share of the vote).
PARAMS: dict[str, dict[str, float]] = {
    "cross": {"fast": 12, "slow": 26, "weight": 0.5},
    "momentum": {"fast": 12, "slow": 26, "signal": 9, "period": 10, "weight": 0.3},
    "oscillator": {"period": 14, "weight": 0.2},
    "stops": {"period": 14, "stop": 2.0},
    "strength": {"period": 14, "threshold": 25.0},
}
SUPPORTED = CROSS + MOMENTUM + OSCILLATOR + STOPS + STRENGTH


def role_of(name: str) -> str:
    upper = name.upper()
    for role, names in (
        ("cross", CROSS),
        ("momentum", MOMENTUM),
        ("oscillator", OSCILLATOR),
        ("stops", STOPS),
        ("strength", STRENGTH),
    ):
        if upper in names:
            return role
    raise ValueError(
        f"indicators: {name!r} is not one the technical agent can read; supported: "
        f"{', '.join(n.lower() for n in SUPPORTED)}"
    )


def check_params(name: str, params: Mapping[str, Any]) -> dict[str, float]:
    """``params`` completed with defaults and validated; errors name the indicator and key."""
    upper = name.upper()
    role = role_of(name)
    allowed = dict(PARAMS[role])
    if role == "oscillator":
        allowed["oversold"], allowed["overbought"] = LEVELS[upper]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"indicators.{name}.{unknown[0]}: unknown key; {name} takes: {', '.join(allowed)}"
        )
    out = {**allowed, **params}
    for key, value in out.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise ValueError(f"indicators.{name}.{key}: must be a number, got {value!r}")
    for key in ("fast", "slow", "signal", "period"):
        if key in out and (int(out[key]) != out[key] or out[key] < 2):
            raise ValueError(
                f"indicators.{name}.{key}: must be a whole number >= 2, got {out[key]!r}"
            )
    if "fast" in out and out["fast"] >= out["slow"]:
        raise ValueError(
            f"indicators.{name}.fast: must be < slow ({out['slow']}), got {out['fast']}"
        )
    if role == "oscillator" and out["oversold"] >= out["overbought"]:
        raise ValueError(
            f"indicators.{name}.oversold: must be < overbought ({out['overbought']}), "
            f"got {out['oversold']}"
        )
    if out.get("weight", 0) < 0:
        raise ValueError(f"indicators.{name}.weight: must be >= 0, got {out['weight']!r}")
    if role == "stops" and out["stop"] < 0:
        raise ValueError(f"indicators.{name}.stop: must be >= 0, got {out['stop']!r}")
    return out


class Reading:
    """One configured indicator: ``step(bar)`` updates it and returns ``(vote, value)``, the vote
    -1, 0, 1 or ``None`` while warming up; ``value`` keeps the last raw value (for stops and
    strength) once the caller stores it. ``update`` does both, for callers outside the hot loop."""

    __slots__ = ("describe", "name", "role", "step", "value", "weight")

    def __init__(self, name: str, params: Mapping[str, float]) -> None:
        upper = name.upper()
        self.name = upper
        self.role = role_of(name)
        self.weight = float(params.get("weight", 0.0))
        self.value = float("nan")
        build = _BUILDERS[self.role]
        self.step, self.describe = build(upper, params)

    def update(self, bar: Bar) -> int | None:
        vote, self.value = self.step(bar)
        return vote


def _stream(name: str) -> Any:
    return indicator(name, streaming=True)


def _cross(name: str, p: Mapping[str, float]) -> tuple[Callable, Callable]:
    cls = _stream(name)
    fast, slow = cls(int(p["fast"])), cls(int(p["slow"]))
    f, s = int(p["fast"]), int(p["slow"])

    def update(bar: Bar) -> tuple[int | None, float]:
        a, b = fast.update(bar.close), slow.update(bar.close)
        if b != b or a != a:
            return None, float("nan")
        return (1 if a > b else -1 if a < b else 0), a - b

    def describe(vote: int) -> str:
        return f"{name}{f} {('above', 'equal to', 'below')[1 - vote]} {name}{s}"

    return update, describe


def _momentum(name: str, p: Mapping[str, float]) -> tuple[Callable, Callable]:
    cls = _stream(name)
    if name == "MACD":
        stream = cls(int(p["fast"]), int(p["slow"]), int(p["signal"]))
        label = f"MACD({int(p['fast'])},{int(p['slow'])},{int(p['signal'])}) histogram"

        def value(bar: Bar) -> float:
            return stream.update(bar.close)[2]
    elif name in ("PPO", "APO"):
        stream = cls(int(p["fast"]), int(p["slow"]))
        label = f"{name}({int(p['fast'])},{int(p['slow'])})"

        def value(bar: Bar) -> float:
            return stream.update(bar.close)
    else:
        stream = cls(int(p["period"]))
        label = f"{name}{int(p['period'])}"

        def value(bar: Bar) -> float:
            return stream.update(bar.close)

    def update(bar: Bar) -> tuple[int | None, float]:
        v = value(bar)
        if v != v:
            return None, v
        return (1 if v > 0 else -1 if v < 0 else 0), v

    def describe(vote: int) -> str:
        word = {1: "positive (rising momentum)", -1: "negative (falling momentum)", 0: "flat"}
        return f"{label} {word[vote]}"

    return update, describe


def _inputs(name: str, stream: Any) -> Callable[[Bar], float]:
    """The kernel's update with the inputs this indicator takes (close, HLC or HLCV)."""
    if name in ("RSI", "CMO"):
        return lambda bar: stream.update(bar.close)
    if name == "MFI":
        return lambda bar: stream.update(bar.high, bar.low, bar.close, bar.volume)
    return lambda bar: stream.update(bar.high, bar.low, bar.close)


def _oscillator(name: str, p: Mapping[str, float]) -> tuple[Callable, Callable]:
    period = int(p["period"])
    value = _inputs(name, _stream(name)(period))
    low, high = float(p["oversold"]), float(p["overbought"])

    def update(bar: Bar) -> tuple[int | None, float]:
        v = value(bar)
        if v != v:
            return None, v
        return (1 if v < low else -1 if v > high else 0), v

    def describe(vote: int) -> str:
        state = {
            1: f"oversold (< {low:g})",
            -1: f"overbought (> {high:g})",
            0: "between the extremes",
        }
        return f"{name}{period} {state[vote]}"

    return update, describe


def _no_vote(name: str, p: Mapping[str, float]) -> tuple[Callable, Callable]:
    period = int(p["period"])
    value = _inputs(name, _stream(name)(period))

    def update(bar: Bar) -> tuple[int | None, float]:
        return 0, value(bar)

    def describe(vote: int) -> str:
        return ""

    return update, describe


_BUILDERS = {
    "cross": _cross,
    "momentum": _momentum,
    "oscillator": _oscillator,
    "stops": _no_vote,
    "strength": _no_vote,
}
