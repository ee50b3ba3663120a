"""Basic risk rules for DeepAlpha: sizing, exposure cap, stop-loss, take-profit, loss halts,
account / strategy / instrument limits, and pre-trade venue checks."""

from .exits import StopLossRule, TakeProfitRule
from .exposure import ExposureRule
from .halts import DailyLossRule, MaxDrawdownRule
from .levels import AccountRule, InstrumentRule, StrategyRule, annualised_volatility
from .options import (
    AccountOptions,
    DailyLossOptions,
    ExposureOptions,
    InstrumentOptions,
    MaxDrawdownOptions,
    MaxNotionalOptions,
    PrecisionOptions,
    PriceBandOptions,
    RateLimitOptions,
    SizingOptions,
    StopLossOptions,
    StrategyOptions,
    SymbolPrecision,
    TakeProfitOptions,
)
from .sizing import SizingRule
from .venue import MaxNotionalRule, PrecisionRule, PriceBandRule, RateLimitRule

__version__ = "0.1.0"

__all__ = [
    "AccountOptions",
    "AccountRule",
    "DailyLossOptions",
    "DailyLossRule",
    "ExposureOptions",
    "ExposureRule",
    "InstrumentOptions",
    "InstrumentRule",
    "MaxDrawdownOptions",
    "MaxDrawdownRule",
    "MaxNotionalOptions",
    "MaxNotionalRule",
    "PrecisionOptions",
    "PrecisionRule",
    "PriceBandOptions",
    "PriceBandRule",
    "RateLimitOptions",
    "RateLimitRule",
    "SizingOptions",
    "SizingRule",
    "StopLossOptions",
    "StopLossRule",
    "StrategyOptions",
    "StrategyRule",
    "SymbolPrecision",
    "TakeProfitOptions",
    "TakeProfitRule",
    "__version__",
    "annualised_volatility",
]
