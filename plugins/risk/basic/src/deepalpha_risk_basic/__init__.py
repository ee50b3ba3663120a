"""Basic risk rules for DeepAlpha: sizing, exposure cap, stop-loss, take-profit and loss halts."""

from .exits import StopLossRule, TakeProfitRule
from .exposure import ExposureRule
from .halts import DailyLossRule, MaxDrawdownRule
from .options import (
    DailyLossOptions,
    ExposureOptions,
    MaxDrawdownOptions,
    SizingOptions,
    StopLossOptions,
    TakeProfitOptions,
)
from .sizing import SizingRule

__version__ = "0.1.0"

__all__ = [
    "DailyLossOptions",
    "DailyLossRule",
    "ExposureOptions",
    "ExposureRule",
    "MaxDrawdownOptions",
    "MaxDrawdownRule",
    "SizingOptions",
    "SizingRule",
    "StopLossOptions",
    "StopLossRule",
    "TakeProfitOptions",
    "TakeProfitRule",
    "__version__",
]
