"""Registers the ``trend`` agent. Kept import-light: the kernel loads when an agent is built."""

from deepalpha import hookimpl
from deepalpha.records import AgentSpec

from .options import TrendOptions


def _build(options: TrendOptions):
    from .agent import TrendAgent

    return TrendAgent(options)


@hookimpl
def register_agents():
    return [
        AgentSpec(
            name="trend",
            factory=_build,
            options=TrendOptions,
            description=(
                "Trend direction and strength on several timeframes (moving averages, ADX), "
                "their agreement, and reversal risk (divergence, fading momentum, structure breaks)"
            ),
        )
    ]
