"""Entry point of ``deepalpha-risk-basic``: registers six risk rules, one record each."""

from __future__ import annotations

from deepalpha import hookimpl
from deepalpha.records import RiskRuleSpec

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
    ]
