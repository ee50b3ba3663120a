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
            description="EMA trend, RSI and MACD (Rust kernel, streaming) combined into one signal",
        )
    ]
