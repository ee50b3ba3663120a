"""``from deepalpha_rust import TechnicalIndicators``, as the product description writes it.

A compatibility layer, not a second kernel: every number comes from the installed kernel's batch
functions, looked up by name through :func:`deepalpha.indicators.indicator` (so it is TA-Lib's
values, defaults and alignment, computed in Rust). It ships inside the ``deepalpha-kernel``
distribution.

Results are built for both ways the description uses them. ``calculate_rsi`` returns an
:class:`IndicatorValue`: a ``float`` equal to the latest value (so ``rsi < 30`` and
``f"{rsi}"`` read the current reading) that carries the whole aligned series on ``.values``.
Before the indicator has enough data the latest value is NaN, and every comparison with NaN is
false. Indicators with several outputs (``calculate_macd``, ``calculate_bollinger_bands``) return
an :class:`IndicatorOutputs` mapping of such values (``macd["histogram"] > 0``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from deepalpha_kernel import _native

__all__ = [
    "ExecutionEngine",
    "ExecutionStats",
    "IndicatorOutputs",
    "IndicatorValue",
    "TechnicalIndicators",
]


class IndicatorValue(float):
    """The latest value of an indicator series, as a ``float``; the series is on ``.values``.

    ``.values`` is a read-only float64 array aligned with the input (NaN where the indicator has
    no value yet, as TA-Lib). Arithmetic gives plain floats.
    """

    __slots__ = ("values",)

    values: np.ndarray

    def __new__(cls, values: np.ndarray) -> IndicatorValue:
        latest = float(values[-1]) if len(values) else math.nan
        self = super().__new__(cls, latest)
        values.flags.writeable = False
        self.values = values
        return self

    @property
    def ready(self) -> bool:
        """Whether the latest value exists (the input was longer than the indicator's lookback)."""
        return not math.isnan(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (IndicatorValue, (np.array(self.values),))


class IndicatorOutputs(Mapping[str, IndicatorValue]):
    """The outputs of a multi-output indicator by name, also readable as attributes."""

    __slots__ = ("_outputs",)

    def __init__(self, outputs: dict[str, IndicatorValue]) -> None:
        self._outputs = outputs

    def __getitem__(self, name: str) -> IndicatorValue:
        try:
            return self._outputs[name]
        except KeyError:
            raise KeyError(f"no output {name!r}; outputs: {', '.join(self._outputs)}") from None

    def __getattr__(self, name: str) -> IndicatorValue:
        try:
            return self._outputs[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._outputs)

    def __len__(self) -> int:
        return len(self._outputs)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={float(value)!r}" for name, value in self._outputs.items())
        return f"IndicatorOutputs({inner})"


_kernel_functions: dict[str, Any] = {}


def _kernel(name: str) -> Any:
    """The installed kernel's batch function ``name``, looked up once per process."""
    function = _kernel_functions.get(name)
    if function is None:
        from deepalpha.indicators import indicator

        function = _kernel_functions[name] = indicator(name)
    return function


def _prices(values: Any, method: str, argument: str) -> np.ndarray:
    """A contiguous float64 array of ``values`` (no copy when it already is one)."""
    if isinstance(values, IndicatorValue):
        values = values.values
    try:
        array = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{method}: {argument} must be a sequence of numbers, got {type(values).__name__}"
        ) from None
    if array.ndim != 1:
        raise ValueError(f"{method}: {argument} must be one-dimensional, got shape {array.shape}")
    return array


def _period(value: Any, method: str, argument: str = "period", minimum: int = 2) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{method}: {argument} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class TechnicalIndicators:
    """Indicators over lists or arrays of prices, computed by the installed Rust kernel.

    Parameters and defaults are TA-Lib's (``calculate_sma(prices)`` is ``talib.SMA(prices)``,
    period 30). Each method returns the latest value as an :class:`IndicatorValue` with the whole
    series on ``.values``, or an :class:`IndicatorOutputs` mapping for several outputs.
    """

    def calculate_sma(self, prices: Any, period: int = 30) -> IndicatorValue:
        """Simple moving average over ``period`` prices."""
        p = _prices(prices, "calculate_sma", "prices")
        return IndicatorValue(_kernel("sma")(p, _period(period, "calculate_sma")))

    def calculate_ema(self, prices: Any, period: int = 30) -> IndicatorValue:
        """Exponential moving average, seeded with the SMA of the first ``period`` prices."""
        p = _prices(prices, "calculate_ema", "prices")
        return IndicatorValue(_kernel("ema")(p, _period(period, "calculate_ema")))

    def calculate_rsi(self, prices: Any, period: int = 14) -> IndicatorValue:
        """Wilder's relative strength index in [0, 100]."""
        p = _prices(prices, "calculate_rsi", "prices")
        return IndicatorValue(_kernel("rsi")(p, _period(period, "calculate_rsi")))

    def calculate_macd(
        self, prices: Any, fast_period: int = 12, slow_period: int = 26, signal_period: int = 9
    ) -> IndicatorOutputs:
        """MACD line, its signal line and the histogram (line minus signal)."""
        name = "calculate_macd"
        p = _prices(prices, name, "prices")
        fast = _period(fast_period, name, "fast_period")
        slow = _period(slow_period, name, "slow_period")
        signal = _period(signal_period, name, "signal_period", minimum=1)
        line, signal_line, histogram = _kernel("macd")(p, fast, slow, signal)
        return IndicatorOutputs(
            {
                "macd": IndicatorValue(line),
                "signal": IndicatorValue(signal_line),
                "histogram": IndicatorValue(histogram),
            }
        )

    def calculate_atr(self, high: Any, low: Any, close: Any, period: int = 14) -> IndicatorValue:
        """Average true range with Wilder's smoothing."""
        name = "calculate_atr"
        h, lo, c = (
            _prices(v, name, a) for v, a in ((high, "high"), (low, "low"), (close, "close"))
        )
        if not len(h) == len(lo) == len(c):
            raise ValueError(
                f"{name}: high, low and close must have one length, got {len(h)}, {len(lo)}, "
                f"{len(c)}"
            )
        return IndicatorValue(_kernel("atr")(h, lo, c, _period(period, name, minimum=1)))

    def calculate_bollinger_bands(
        self, prices: Any, period: int = 20, std_dev: float = 2.0
    ) -> IndicatorOutputs:
        """Bands ``std_dev`` population standard deviations around the ``period`` SMA."""
        name = "calculate_bollinger_bands"
        p = _prices(prices, name, "prices")
        if isinstance(std_dev, bool) or not isinstance(std_dev, int | float) or not std_dev > 0:
            raise ValueError(f"{name}: std_dev must be a number > 0, got {std_dev!r}")
        upper, middle, lower = _kernel("bbands")(
            p, _period(period, name), float(std_dev), float(std_dev), 0
        )
        return IndicatorOutputs(
            {
                "upper": IndicatorValue(upper),
                "middle": IndicatorValue(middle),
                "lower": IndicatorValue(lower),
            }
        )


class ExecutionStats(dict):
    """``ExecutionEngine.get_stats()``: a dict whose keys also read as attributes, so the seed's
    ``stats.total_orders`` and ``stats["total_orders"]`` both work."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class ExecutionEngine(_native.ExecutionEngine):
    """The Rust execution engine (``deepalpha_kernel.ExecutionEngine``), as the seed imports it.

    Identical to the kernel's class except that :meth:`get_stats` returns an
    :class:`ExecutionStats` (attribute access, as in ``stats.avg_execution_time_us``). See
    ``docs/execution.md``.
    """

    __slots__ = ()

    def get_stats(self) -> ExecutionStats:
        """Counters and submit latency (see ``deepalpha_kernel.ExecutionEngine.get_stats``)."""
        return ExecutionStats(super().get_stats())


#: Other names the product description imports from ``deepalpha_rust``, and where that work is done.
_ELSEWHERE = {
    "WebSocketManager": (
        "market data reaches DeepAlpha through data-source plugins (deepalpha.data.DataSource) "
        "and the engine's feeds"
    ),
}


def __getattr__(name: str) -> Any:
    where = _ELSEWHERE.get(name)
    if where is not None:
        # ImportError rather than AttributeError: ``from deepalpha_rust import X`` shows this text.
        raise ImportError(f"deepalpha_rust.{name} is not part of DeepAlpha: {where}")
    raise AttributeError(f"module 'deepalpha_rust' has no attribute {name!r}")
