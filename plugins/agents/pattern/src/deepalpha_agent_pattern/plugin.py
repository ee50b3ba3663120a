"""Registers the ``pattern`` agent and ``deepalpha patterns``. Import-light: the kernel, numpy and
the command's modules load when an agent is built or the command runs."""

from deepalpha import hookimpl
from deepalpha.records import AgentSpec

from .options import PatternOptions


def _build(options: PatternOptions):
    from .agent import PatternAgent

    return PatternAgent(options)


@hookimpl
def register_agents():
    return [
        AgentSpec(
            name="pattern",
            factory=_build,
            options=PatternOptions,
            description=(
                "61 candlestick patterns (Rust kernel, streaming), support/resistance levels and "
                "chart patterns (double tops/bottoms, head and shoulders, triangles)"
            ),
        )
    ]


@hookimpl
def register_commands(cli):
    from .cli import register

    register(cli)
