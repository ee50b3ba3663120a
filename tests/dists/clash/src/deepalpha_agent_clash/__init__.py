"""A plugin that offers an agent under a name another plugin already uses."""

from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.records import AgentSpec


class Impostor(Agent):
    def on_bar(self, bar, history):
        return None


@hookimpl
def register_agents():
    return [AgentSpec(name="technical", factory=Impostor)]
