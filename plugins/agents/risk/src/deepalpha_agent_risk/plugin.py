"""Registers the ``risk`` agent. Kept import-light: numpy and the kernel load when it is built."""

from deepalpha import hookimpl
from deepalpha.records import AgentSpec

from .options import RiskOptions


def _build(options: RiskOptions):
    from .agent import RiskAgent

    return RiskAgent(options)


@hookimpl
def register_agents():
    return [
        AgentSpec(
            name="risk",
            factory=_build,
            options=RiskOptions,
            description=(
                "Volatility, 1-day 99% VaR/CVaR (historical, parametric, Cornish-Fisher), drawdown "
                "and cross-symbol correlation; vetoes (risk-off) when a limit is crossed"
            ),
        )
    ]
