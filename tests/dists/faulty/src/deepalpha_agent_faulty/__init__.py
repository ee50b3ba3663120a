"""Agents that register fine and fail when built, as third-party plugins do.

- ``needs_torch``: the factory imports a heavy dependency that is not installed (plugins keep
  heavy imports inside factories, so the failure only shows when the agent is built);
- ``not_an_agent``: the factory returns something that is not a ``deepalpha.agents.Agent``;
- ``choosy``: a working agent whose options use attrs' ``validators.in_``.
"""

import attrs
from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.records import AgentSpec


def _needs_torch():
    import deepalpha_heavy_dependency_not_installed  # noqa: F401


def _not_an_agent():
    return {"on_bar": "not a method"}


@attrs.frozen
class ChoosyOptions:
    mode: str = attrs.field(default="fast", validator=attrs.validators.in_(["fast", "slow"]))


class Choosy(Agent):
    def __init__(self, options: ChoosyOptions) -> None:
        self.options = options

    def on_bar(self, bar, history):
        return None


@hookimpl
def register_agents():
    return [
        AgentSpec(name="needs_torch", factory=_needs_torch),
        AgentSpec(name="not_an_agent", factory=_not_an_agent),
        AgentSpec(name="choosy", factory=Choosy, options=ChoosyOptions),
    ]
