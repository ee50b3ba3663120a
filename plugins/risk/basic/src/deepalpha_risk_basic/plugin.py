"""Entry point of ``deepalpha-risk-basic``: registers its risk rules, one record each."""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import RiskRuleSpec

from .exits import StopLossRule, TakeProfitRule
from .exposure import ExposureRule
from .halts import DailyLossRule, MaxDrawdownRule
from .levels import AccountRule, InstrumentRule, StrategyRule
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
    TakeProfitOptions,
)
from .sizing import SizingRule
from .venue import MaxNotionalRule, PrecisionRule, PriceBandRule, RateLimitRule


@hookimpl
def register_risk_rules():
    return [
        RiskRuleSpec(
            name="sizing",
            factory=SizingRule,
            description="Quantity from a fraction of equity per position (default 2%)",
            options=SizingOptions,
        ),
        RiskRuleSpec(
            name="exposure",
            factory=ExposureRule,
            description="Caps one symbol's position at a fraction of equity (default 10%)",
            options=ExposureOptions,
        ),
        RiskRuleSpec(
            name="stop_loss",
            factory=StopLossRule,
            description="Exits a position that lost a fraction of its entry (default 5%)",
            options=StopLossOptions,
        ),
        RiskRuleSpec(
            name="take_profit",
            factory=TakeProfitRule,
            description="Exits a position that gained a fraction of its entry (default 10%)",
            options=TakeProfitOptions,
        ),
        RiskRuleSpec(
            name="max_drawdown",
            factory=MaxDrawdownRule,
            description="Halts new positions below peak equity x (1 - x) (default 20%)",
            options=MaxDrawdownOptions,
        ),
        RiskRuleSpec(
            name="daily_loss",
            factory=DailyLossRule,
            description="Halts new positions for the UTC day after a daily loss (default 5%)",
            options=DailyLossOptions,
        ),
        RiskRuleSpec(
            name="account",
            factory=AccountRule,
            description="Account limits: net position 95%, leverage 3x, daily loss 5%, "
            "monthly drawdown 15%",
            options=AccountOptions,
        ),
        RiskRuleSpec(
            name="strategy",
            factory=StrategyRule,
            description="Strategy limits: 2% per position, leverage 2x, 5 losing exits in a row",
            options=StrategyOptions,
        ),
        RiskRuleSpec(
            name="instrument",
            factory=InstrumentRule,
            description="Instrument limits: 5% per symbol, 2% stop, 10% of daily volume, "
            "volatility 50%",
            options=InstrumentOptions,
        ),
        RiskRuleSpec(
            name="precision",
            factory=PrecisionRule,
            description="Venue grid: quantity step, minimum quantity and notional, price tick",
            options=PrecisionOptions,
        ),
        RiskRuleSpec(
            name="max_notional",
            factory=MaxNotionalRule,
            description="Caps one order's value (default 100,000)",
            options=MaxNotionalOptions,
        ),
        RiskRuleSpec(
            name="price_band",
            factory=PriceBandRule,
            description="Refuses a limit price too far from the last close (default 5%)",
            options=PriceBandOptions,
        ),
        RiskRuleSpec(
            name="rate_limit",
            factory=RateLimitRule,
            description="Orders per window of the bar clock (default 10 per 60 s)",
            options=RateLimitOptions,
        ),
    ]
