"""Registers the ``technical`` agent. Kept import-light: the kernel loads when an agent is built."""

from deepalpha import hookimpl
from deepalpha.records import AgentSpec

from .options import TechnicalOptions


def _build(options: TechnicalOptions):
    from .agent import TechnicalAgent

    return TechnicalAgent(options)


@hookimpl
def register_agents():
    return [
        AgentSpec(
            name="technical",
            factory=_build,
            options=TechnicalOptions,
            description=(
                "Kernel indicators by name (default EMA cross, MACD, RSI, ATR stop) read as votes "
                "per timeframe and combined into one signal"
            ),
        )
    ]
