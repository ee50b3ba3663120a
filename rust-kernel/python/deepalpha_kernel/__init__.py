"""DeepAlpha's indicator kernel: TA-Lib-exact technical indicators implemented in Rust.

Every function takes TA-Lib's lower-case name, parameters and defaults, and returns arrays of the
input's length with NaN in the lookback region, like ``talib``. Inputs must be 1-D float64 numpy
arrays; they are read without a copy and the computation releases the GIL. Single-output functions
accept ``out=`` (a float64 array of the input's length) to reuse memory across calls.

Each indicator also has a streaming class (``SMA``, ``EMA``, ...) whose ``update`` returns exactly
what the batch function returns at the same index.

Errors are raised as :class:`KernelError`, a ``ValueError`` whose message names the argument and
the value.
"""

from deepalpha_kernel._native import (
    ATR,
    EMA,
    MACD,
    RSI,
    SMA,
    TRANGE,
    KernelError,
    atr,
    ema,
    macd,
    rsi,
    sma,
    trange,
)

#: Version of this Python package; must equal ``_native.__version__`` (checked by the plugin).
__version__ = "0.1.0"

#: TA-Lib-style names of the indicators this kernel provides.
INDICATORS: tuple[str, ...] = ("ATR", "EMA", "MACD", "RSI", "SMA", "TRANGE")

#: Names of the candlestick patterns this kernel provides.
PATTERNS: tuple[str, ...] = ()

__all__ = [
    "ATR",
    "EMA",
    "INDICATORS",
    "MACD",
    "PATTERNS",
    "RSI",
    "SMA",
    "TRANGE",
    "KernelError",
    "__version__",
    "atr",
    "ema",
    "macd",
    "rsi",
    "sma",
    "trange",
]
