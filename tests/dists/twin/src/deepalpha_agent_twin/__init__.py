"""A second distribution whose entry point is also called ``tiny``: neither may win silently."""

from deepalpha import hookimpl
from deepalpha.agents import Agent
from deepalpha.records import AgentSpec


class Twin(Agent):
    def on_bar(self, bar, history):
        return None


@hookimpl
def register_agents():
    return [AgentSpec(name="twin", factory=Twin)]
